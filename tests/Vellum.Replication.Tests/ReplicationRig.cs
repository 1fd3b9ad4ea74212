using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Vellum.Fuse;
using Vellum.Native;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Replication.Tests;

/// <summary>
/// A source and a target as real processes, all under one temporary root: a replicating
/// `vellum mount` (<see cref="MountDaemon"/>) over BACKING with its journal in JOURNAL, and a
/// `vellum serve` (<see cref="ServeDaemon"/>) receiving into STORE and mirroring into MIRROR.
/// Dispose takes both down and leaves no FUSE mount and no directory behind, on every path.
/// </summary>
internal sealed class ReplicationRig : IDisposable
{
    /// <summary>How long a daemon may take to start or stop.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Only a guard against a hang: how long a replica may take to catch up before the test
    /// fails. Alone the slowest case catches up in about 17 s; beside the other test projects
    /// (the real-program suite among them) on two cores, one run needed more than 2 minutes.
    /// </summary>
    public static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    /// <summary>The backing root's mode: the mount serves it as it is, and no transaction records it.</summary>
    public const UnixFileMode RootMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private ServeDaemon? _serve;
    private MountDaemon? _mount;
    private int _syncs;

    private ReplicationRig()
    {
        Root = Directory.CreateTempSubdirectory("vellum-replication-").FullName;
        Backing = Directory.CreateDirectory(Path.Combine(Root, "backing")).FullName;
        File.SetUnixFileMode(Backing, RootMode);
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        Journal = Path.Combine(Root, "journal");
        Store = Path.Combine(Root, "store");
        Mirror = Path.Combine(Root, "mirror");
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        SecretsFile = WritePrivate("secrets", $"* {secret}\n");
        SecretFile = WritePrivate("secret", secret + "\n");
    }

    public string Root { get; }

    public string Backing { get; }

    public string MountPoint { get; }

    public string Journal { get; }

    public string Store { get; }

    public string Mirror { get; }

    /// <summary>The target's `--secrets` file: a '*' line with the journal's secret.</summary>
    public string SecretsFile { get; }

    /// <summary>The source's `--secret-file`.</summary>
    public string SecretFile { get; }

    public ServeDaemon Serve => _serve ?? throw new InvalidOperationException("no serve started");

    public MountDaemon Mount => _mount ?? throw new InvalidOperationException("no mount started");

    /// <summary>The target's copy of the journal's store.</summary>
    public string ReplicaStore => ReplicaJournals.StoreDirectoryFor(Store, Mount.JournalId);

    /// <summary>The target's mirror of the journal.</summary>
    public string MirrorRoot => Path.Combine(Mirror, Mount.JournalId.ToString("D"));

    public static ReplicationRig Create(uint? umask = null) => new() { Umask = umask };

    /// <summary>The umask the daemons start with; null: this process's.</summary>
    public uint? Umask { get; init; }

    private string WritePrivate(string name, string text)
    {
        var path = Path.Combine(Root, name);
        using var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Private });
        file.Write(System.Text.Encoding.UTF8.GetBytes(text));
        return path;
    }

    /// <summary>Starts `vellum serve --mirror` (plain TCP with <paramref name="insecure"/>, else TLS with a certificate it creates).</summary>
    public ServeDaemon StartServe(bool insecure)
    {
        if (_serve is not null)
            throw new InvalidOperationException("serve was started already; use Serve.Kill and Serve.Start to restart it");
        _serve = new ServeDaemon(Store, SecretsFile, Mirror, insecure) { Umask = Umask };
        _serve.Start();
        return _serve;
    }

    /// <summary>
    /// Starts the replicating mount, sending to <paramref name="target"/> (serve itself, or a
    /// proxy in front of it), trusting serve's certificate by its fingerprint, or plain TCP when
    /// serve is --insecure.
    /// </summary>
    public MountDaemon StartMount(IPEndPoint target, params string[] options)
    {
        if (_mount is not null)
            throw new InvalidOperationException("the mount was started already; use Mount.Kill and Mount.Start to restart it");
        string[] trust = Serve.Fingerprint is { } fingerprint ? ["--tls-fingerprint", fingerprint] : ["--insecure"];
        _mount = new MountDaemon(Backing, MountPoint, Journal,
            ["--replicate", $"tcp://127.0.0.1:{target.Port}", "--secret-file", SecretFile, .. trust, .. options]) { Umask = Umask };
        _mount.Start();
        return _mount;
    }

    /// <summary>
    /// fsync of a file through the mount: with --sync local it returns once everything the mount
    /// committed before it is durable in the local store, so nothing is left in the FIFO for the
    /// sender to miss.
    /// </summary>
    public void SyncThroughMount()
    {
        using var file = new FileStream(Path.Combine(MountPoint, "synced"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        file.Write(BitConverter.GetBytes(++_syncs));
        var errno = LibC.FSync(file.SafeFileHandle);
        Assert.True(errno == Errno.Success, $"fsync through the mount failed with errno {errno}\n{Logs}");
    }

    /// <summary>Waits until the target's replica store holds exactly the source's segment files, byte for byte.</summary>
    public void WaitForIdenticalStores()
    {
        var clock = Stopwatch.StartNew();
        while (StoreDifference(Journal, ReplicaStore) is { } difference)
        {
            if (clock.Elapsed > Guard)
                Assert.Fail($"the replica store did not become the source's within {Guard.TotalSeconds:0} s: {difference}\n{Logs}");
            FailIfMirrorStopped();
            // Waiting for a condition that no API announces: the target appending.
            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// Null when <paramref name="replica"/> holds the same segment files as <paramref name="source"/>
    /// (names and records, nothing more, nothing less), else the first difference. Zeros either
    /// writer wrote ahead of its records (its runway) are not compared.
    /// </summary>
    public static string? StoreDifference(string source, string replica)
    {
        if (!Directory.Exists(replica))
            return $"{replica} does not exist";
        var expected = Segments(source);
        var actual = Segments(replica);
        if (!expected.Select(s => s.Name).SequenceEqual(actual.Select(s => s.Name)))
            return $"segment files differ: source [{string.Join(", ", expected.Select(s => $"{s.Name} {s.Length}"))}], replica [{string.Join(", ", actual.Select(s => $"{s.Name} {s.Length}"))}]";
        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i].Length != actual[i].Length)
                return $"{expected[i].Name}: {expected[i].Length} bytes of records at the source, {actual[i].Length} at the replica";
        }
        for (var i = 0; i < expected.Count; i++)
        {
            if (FirstDifference(expected[i].Path, actual[i].Path, expected[i].Length) is { } offset)
                return $"{expected[i].Name}: bytes differ at offset {offset}";
        }
        return null;
    }

    private static List<(string Name, string Path, long Length)> Segments(string directory) =>
    [
        .. new DirectoryInfo(directory).EnumerateFiles("*.vseg").OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => (f.Name, f.FullName, SegmentBytes.RecordsLength(f.FullName))),
    ];

    /// <summary>The first offset below <paramref name="length"/> where the two files differ; null when they are equal there.</summary>
    private static long? FirstDifference(string left, string right, long length)
    {
        using var a = new FileStream(left, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        using var b = new FileStream(right, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var bufferA = new byte[1 << 20];
        var bufferB = new byte[1 << 20];
        for (long offset = 0; offset < length;)
        {
            var want = (int)Math.Min(bufferA.Length, length - offset);
            var readA = a.ReadAtLeast(bufferA.AsSpan(0, want), want, throwOnEndOfStream: false);
            var readB = b.ReadAtLeast(bufferB.AsSpan(0, want), want, throwOnEndOfStream: false);
            var common = Math.Min(readA, readB);
            var mismatch = bufferA.AsSpan(0, common).CommonPrefixLength(bufferB.AsSpan(0, common));
            if (mismatch < common || readA != want || readB != want)
                return offset + mismatch;
            offset += want;
        }
        return null;
    }

    /// <summary>
    /// Waits until the target's mirror has applied every transaction of the source's journal
    /// (its position xattr reaches the journal's last transaction id). The mount must be gone,
    /// so that the journal's last transaction is final.
    /// </summary>
    public void WaitForMirror()
    {
        ulong last;
        using (var store = SegmentStore.OpenReadOnly(Journal))
            last = store.LastTransactionId;
        Assert.True(last > 0, "the journal holds no transaction");
        var clock = Stopwatch.StartNew();
        while (MirrorPositionOf(MirrorRoot) is not { } position || position.TransactionId < last)
        {
            if (clock.Elapsed > Guard)
                Assert.Fail($"the mirror did not reach transaction {last} within {Guard.TotalSeconds:0} s (it is at {MirrorPositionOf(MirrorRoot)?.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})\n{Logs}");
            FailIfMirrorStopped();
            // Waiting for a condition that no API announces: the target's mirror applying.
            Thread.Sleep(50);
        }
        Assert.Equal(Mount.JournalId, MirrorPositionOf(MirrorRoot)!.Value.JournalId);
    }

    /// <summary>The mirror's persisted position: the journal it mirrors and the transaction id it applied up to.</summary>
    public static (Guid JournalId, ulong TransactionId)? MirrorPositionOf(string mirrorRoot)
    {
        var value = new byte[64];
        var length = LibC.GetXattr(mirrorRoot, "user.vellum.mirror", value, followSymlink: false);
        if (length != 24)
            return null;
        return (new Guid(value.AsSpan(0, 16)), BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(16, 8)));
    }

    /// <summary>The mirror against the backing directory, every difference listed.</summary>
    public void AssertMirrorEqualsBacking(TreeComparisonOptions? options = null)
    {
        // The roots' own modes are no transaction's (serve creates the mirror's root under its
        // umask): the backing root takes the mirror root's, so only journaled modes are compared.
        File.SetUnixFileMode(Backing, File.GetUnixFileMode(MirrorRoot));
        var differences = TreeComparison.Compare(Backing, MirrorRoot, options);
        Assert.True(differences.Count == 0,
            $"the mirror {MirrorRoot} differs from the backing directory in {differences.Count} places:\n  {string.Join("\n  ", differences.Take(20))}\n{Logs}");
    }

    private void FailIfMirrorStopped()
    {
        if (_serve is { } serve && serve.Log.Split('\n').Any(line => line.Contains(": the mirror ", StringComparison.Ordinal) && line.Contains(" stopped: ", StringComparison.Ordinal)))
            Assert.Fail($"the target's mirror stopped\n{Logs}");
    }

    /// <summary>The last lines of both daemons' logs, for failure messages.</summary>
    public string Logs =>
        $"--- serve (last lines):\n{Tail(_serve?.Log)}\n--- mount (last lines):\n{Tail(_mount?.Log)}";

    private static string Tail(string? log) => log is null ? "(not started)" : string.Join('\n', log.Split('\n').TakeLast(60));

    public void Dispose()
    {
        try
        {
            _mount?.Dispose();
        }
        finally
        {
            try
            {
                _serve?.Dispose();
            }
            finally
            {
                // Never recurse into a mount still there: it would delete through it.
                if (MountInfo.FileSystemTypeAt(MountPoint) is null)
                    Directory.Delete(Root, recursive: true);
            }
        }
    }
}
