using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Vellum.Bench.Fuse;
using Vellum.Bench.Replication;
using Vellum.Native;

namespace Vellum.Bench;

/// <summary>
/// Suite "replication", on loopback, one disk. Anchors: the data (2 GiB) over a plain TCP
/// socket into a file, fdatasynced, and rsync --fsync of the same file into a local
/// directory. Live: the data written through a journaled mount replicating to `vellum serve`
/// (TLS, pinned) with --sync remote, timed until the fsync after the last byte returns, that
/// is until the target acknowledged it all durable. Replication alone: that write's journal
/// streamed by the remounted mount to a fresh `vellum serve`, until its status shows it all
/// acknowledged. Lag under a steady 2,000 commits per second, in process. Needs root (it mounts); rsync from Debian (scripts/bench-deps.sh).
/// </summary>
public static class ReplicationSuite
{
    private const int LagRate = 2_000;
    private const string Secret = "bench-replication-secret";

    public static Task RunAsync(BenchOptions options, BenchReport report)
    {
        if (LibC.GetEuid() != 0)
        {
            Console.Error.WriteLine("replication: needs root (it mounts a FUSE filesystem); no figures");
            return Task.CompletedTask;
        }
        var size = options.Quick ? 256L << 20 : 2L << 30;
        var lagFor = options.Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(15);
        var root = Path.Combine(Path.GetTempPath(), "vellum-bench-replication");
        var cleanup = new SuiteCleanup("replication");
        try
        {
            TargetRounds.RemoveRoot(root);
            Directory.CreateDirectory(root);
            var data = Path.Combine(root, "data.bin");
            WriteData(data, size);
            Console.WriteLine($"replication: {size >> 20} MiB of random bytes, under {root} ({MountTable.FsTypeOf(root)})");
            var megabytes = size / 1e6;

            LibC.Sync();
            var tcp = megabytes / TcpCopy.Run(data, Path.Combine(root, "tcp.bin"));
            report.Add("tcp_mbps", tcp, "MB/s", "anchor: the bytes over a plain loopback TCP socket into a file, fdatasynced");
            File.Delete(Path.Combine(root, "tcp.bin"));
            LibC.Sync();
            var tcpDropBehind = megabytes / TcpCopy.Run(data, Path.Combine(root, "tcp-drop.bin"), dropBehind: true);
            report.Add("tcp_dropbehind_mbps", tcpDropBehind, "MB/s", "anchor: the same copy, the receiver fdatasyncing and dropping what it wrote from the page cache every 8 MiB, as vellum serve's replica store does");
            File.Delete(Path.Combine(root, "tcp-drop.bin"));

            var (plainSeconds, plainCpu) = TcpCopy.RunInMemory(size);
            var (tlsSeconds, tlsCpu) = TcpCopy.RunInMemory(size, new TlsWrapper(Path.Combine(root, "tls-anchor")));
            var (sealedSeconds, sealedCpu) = TcpCopy.RunInMemory(size, new SealedWrapper());
            report.Add("socket_mbps", megabytes / plainSeconds, "MB/s", "anchor: the bytes from memory over a plain loopback socket into memory, no disk");
            report.Add("socket_tls_mbps", megabytes / tlsSeconds, "MB/s", "anchor: the same through SslStream (TLS 1.3, the server's pinned self-signed certificate)");
            report.Add("socket_sealed_mbps", megabytes / sealedSeconds, "MB/s", "anchor: the same in sealed frames (AES-128-GCM, 1 MiB), replication's record layer after its TLS handshake");
            report.Add("sealed_vs_tls", tlsSeconds / sealedSeconds, "ratio", "sealed frames against TLS records, speed");
            report.Add("sealed_cpu_vs_tls", sealedCpu / tlsCpu, "ratio", string.Create(CultureInfo.InvariantCulture, $"CPU of both ends: sealed {sealedCpu:F2} s, TLS {tlsCpu:F2} s, plain {plainCpu:F2} s"));

            var rsync = RunRsync(data, Path.Combine(root, "rsync"), megabytes);
            if (rsync is { } rsyncRate)
                report.Add("rsync_mbps", rsyncRate, "MB/s", "anchor: rsync --fsync of the file into a local directory");

            LibC.Sync();
            var live = megabytes / RunReplicatedWrite(cleanup, root, data, size);
            report.Add("live_mbps", live, "MB/s", "written through the replicating mount until the target acknowledged it durable (fsync, --sync remote): the mount, the local journal and the target on one disk");
            report.Add("live_vs_tcp", live / tcp, "ratio", "no target of its own: the source writes every byte twice (backing and journal) before the target writes it");

            LibC.Sync();
            var (seconds, bytes) = RunCatchUp(cleanup, root, insecure: false);
            var rate = bytes / 1e6 / seconds;
            report.Add("throughput_mbps", rate, "MB/s", $"replication alone: that write's journal ({bytes >> 20} MiB), in the mount's store, streamed by the remounted mount to a fresh vellum serve over TLS (sealed frames) until acknowledged durable");
            report.Add("throughput_vs_tcp", rate / tcp, "ratio", "target >= 0.7");
            report.Add("throughput_vs_tcp_dropbehind", rate / tcpDropBehind, "ratio", "against the copy that handles the page cache as the replica store does");
            if (rsync is { } anchor)
                report.Add("throughput_vs_rsync", rate / anchor, "ratio", "target > 1");
            LibC.Sync();
            (seconds, bytes) = RunCatchUp(cleanup, root, insecure: true);
            var plain = bytes / 1e6 / seconds;
            report.Add("throughput_insecure_mbps", plain, "MB/s", "the same over plain TCP (--insecure): what TLS costs on this machine");
            report.Add("throughput_insecure_vs_tcp", plain / tcp, "ratio", "no target of its own");

            var (lags, achieved) = LagProbe.Run(root, LagRate, lagFor);
            Array.Sort(lags);
            report.Add("lag_p50_ms", Percentile(lags, 0.50), "ms", string.Create(CultureInfo.InvariantCulture, $"commit at the source to the target's durable acknowledgement, {achieved:F0} commits/s of 200 bytes, TLS; target < 2"));
            report.Add("lag_p99_ms", Percentile(lags, 0.99), "ms", $"{lags.Length:N0} commits");
        }
        finally
        {
            cleanup.Dispose();
            TargetRounds.RemoveRoot(root);
        }
        return Task.CompletedTask;
    }

    private static void WriteData(string path, long size)
    {
        var random = new Random(6);
        var buffer = new byte[1 << 20];
        using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        for (long written = 0; written < size; written += buffer.Length)
        {
            random.NextBytes(buffer);
            output.Write(buffer);
        }
        output.Flush(flushToDisk: true);
    }

    /// <summary>Seconds from the first byte written into the mount to the fsync after the last returning.</summary>
    private static double RunReplicatedWrite(SuiteCleanup cleanup, string root, string data, long size)
    {
        using var serve = StartServe(root, "target", insecure: false, out var port);
        var target = MountReplicating(cleanup, root, port, serve.Fingerprint, "remote");
        target.Mount();
        try
        {
            var buffer = new byte[1 << 20];
            var clock = Stopwatch.StartNew();
            using (var input = new FileStream(data, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
            using (var output = new FileStream(Path.Combine(target.WorkPath, "data.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                int read;
                while ((read = input.Read(buffer)) > 0)
                    output.Write(buffer, 0, read);
                output.Flush(flushToDisk: true);
            }
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replicating mount: {size >> 20} MiB written and acknowledged durable by the target in {seconds:F2} s"));
            return seconds;
        }
        catch (IOException failure)
        {
            throw new InvalidOperationException($"the replicated write failed: {failure.Message}; target: {serve.Log}; mount: {target.OutputTail}", failure);
        }
        finally
        {
            target.Unmount();
        }
    }

    /// <summary>
    /// The replicated write's journal (still in the mount's store) streamed again, by the
    /// mount remounted on it, to a fresh target: seconds from the target accepting the session
    /// to the mount's status showing all of it acknowledged durable, and the bytes.
    /// </summary>
    private static (double Seconds, long Bytes) RunCatchUp(SuiteCleanup cleanup, string root, bool insecure)
    {
        using var serve = StartServe(root, insecure ? "catch-up-insecure" : "catch-up", insecure, out var port);
        var target = MountReplicating(cleanup, root, port, serve.Fingerprint, "local");
        target.Mount();
        try
        {
            if (!serve.FirstSession.Wait(TimeSpan.FromSeconds(60)))
                throw new InvalidOperationException($"the mount never connected to the catch-up target: {serve.Log}; {target.OutputTail}");
            var (written, acknowledged) = MountStatus.Positions(target.WorkPath);
            while (acknowledged < written)
            {
                // The status socket announces nothing: ask again, often enough to be within 1 % of
                // a seconds-long run, seldom enough not to take the CPU it measures.
                Thread.Sleep(20);
                (written, acknowledged) = MountStatus.Positions(target.WorkPath);
            }
            var seconds = Stopwatch.GetElapsedTime(serve.FirstSession.Result).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"catch-up ({(insecure ? "plain TCP" : "TLS")}): {written >> 20} MiB of journal acknowledged durable by a fresh target in {seconds:F2} s"));
            return (seconds, written);
        }
        finally
        {
            target.Unmount();
        }
    }

    private static ServeProcess StartServe(string root, string name, bool insecure, out int port)
    {
        var secrets = Path.Combine(root, "secrets");
        File.WriteAllText(secrets, $"* {Secret}\n");
        File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        port = FreePort();
        return new ServeProcess(Path.Combine(Tools.RepositoryRoot(), "src", "Vellum.Cli", "bin", "Release", "net10.0", "vellum.dll"), Path.Combine(root, name), port, secrets, insecure);
    }

    private static ReplicatingTarget MountReplicating(SuiteCleanup cleanup, string root, int port, string fingerprint, string sync)
    {
        var secret = Path.Combine(root, "secret");
        File.WriteAllText(secret, Secret);
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var backing = Directory.CreateDirectory(Path.Combine(root, "backing")).FullName;
        var target = new ReplicatingTarget(cleanup, Tools.RepositoryRoot(), backing, Path.Combine(root, "mnt"), Path.Combine(root, "journal"), port, secret, fingerprint, sync);
        return target.Unavailable() is { } missing ? throw new InvalidOperationException(missing) : target;
    }

    private static double? RunRsync(string data, string destination, double megabytes)
    {
        if (Tools.Find("rsync") is null)
        {
            Console.Error.WriteLine($"replication: rsync is not on PATH ({Tools.InstallHint}); no rsync anchor");
            return null;
        }
        Directory.CreateDirectory(destination);
        LibC.Sync();
        var clock = Stopwatch.StartNew();
        using var rsync = Process.Start(new ProcessStartInfo("rsync", ["--fsync", "--whole-file", data, destination + "/"]) { UseShellExecute = false })!;
        rsync.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        if (rsync.ExitCode != 0)
        {
            Console.Error.WriteLine($"replication: rsync exited with {rsync.ExitCode}; no rsync anchor");
            return null;
        }
        Directory.Delete(destination, recursive: true);
        return megabytes / seconds;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}
