namespace Vellum.Replication.Tests;

/// <summary>
/// Changes through a mount from two threads: one writes large files (tens of MiB, in 1 MiB
/// chunks, with fsync) over a few names, so the journal grows by hundreds of MiB while the
/// tree stays bounded; the other makes many small transactions (creates, small writes,
/// truncates, renames, unlinks, mkdirs, rmdirs, chmods, symlinks) over a small set of names.
/// Operations that fail (a name already gone, a directory not empty, the mount killed under
/// them) are expected and skipped: what the tests check is that the target ends up with what
/// the source did, whatever that was.
/// </summary>
internal sealed class ReplicationWorkload(string root, int seed)
{
    private const int Chunk = 1 << 20;
    private static readonly string[] SmallDirectories = ["small", "small/d0", "small/d1", "small/d1/e", "small/d2"];
    private static readonly string[] SmallNames = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"];
    private static readonly string[] LargeNames = ["big/b0", "big/b1", "big/b2", "big/b3"];

    private readonly object _lock = new();
    private long _bytes;
    private long _operations;
    private long _failures;
    private int _rounds;

    /// <summary>Bytes the workload wrote into files (failed writes included up to their failure).</summary>
    public long BytesWritten => Interlocked.Read(ref _bytes);

    /// <summary>Operations done so far (each 1 MiB chunk counts as one), failed ones included.</summary>
    public long Operations => Interlocked.Read(ref _operations);

    /// <summary>Operations that failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>
    /// One round on two threads: the large-file thread writes about <paramref name="largeBytes"/>,
    /// the other makes <paramref name="smallOperations"/> small changes; returns when both are done
    /// or <paramref name="cancellation"/> stops them.
    /// </summary>
    public void Run(long largeBytes, int smallOperations, CancellationToken cancellation = default)
    {
        var round = Interlocked.Increment(ref _rounds);
        var large = new Thread(() => Large(new Random(seed * 7919 + round * 2), largeBytes, cancellation)) { IsBackground = true, Name = "workload-large" };
        var small = new Thread(() => Small(new Random(seed * 7919 + round * 2 + 1), smallOperations, cancellation)) { IsBackground = true, Name = "workload-small" };
        large.Start();
        small.Start();
        large.Join();
        small.Join();
    }

    /// <summary>Returns true once <see cref="Operations"/> reaches <paramref name="count"/>, false after <paramref name="timeout"/>.</summary>
    public bool WaitForOperations(long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lock)
        {
            while (Operations < count)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    return false;
                Monitor.Wait(_lock, left);
            }
            return true;
        }
    }

    private void Done(bool failed)
    {
        if (failed)
            Interlocked.Increment(ref _failures);
        lock (_lock)
        {
            Interlocked.Increment(ref _operations);
            Monitor.PulseAll(_lock);
        }
    }

    private string Full(string relative) => Path.Combine(root, relative);

    private void Large(Random random, long total, CancellationToken cancellation)
    {
        var chunk = new byte[Chunk];
        long written = 0;
        while (written < total && !cancellation.IsCancellationRequested)
        {
            var name = Full(LargeNames[random.Next(LargeNames.Length)]);
            var action = random.Next(10);
            if (action < 7)
            {
                var chunks = 8 + random.Next(33);
                var done = WriteLarge(name, chunks, random, chunk, cancellation);
                if (done == long.MaxValue)
                    return;
                written += done;
            }
            else if (MountGoneAfter(() =>
            {
                if (action < 9)
                    File.Move(name, Full(LargeNames[random.Next(LargeNames.Length)]), overwrite: true);
                else
                    File.Delete(name);
            }))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs one operation and counts it (a failure the mount may answer with, such as a
    /// rename racing an unlink, counts as failed); true when the mount's daemon is gone.
    /// </summary>
    private bool MountGoneAfter(Action operation)
    {
        try
        {
            operation();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Done(true);
            return MountGone(error);
        }
        Done(false);
        return false;
    }

    /// <summary>
    /// True when <paramref name="error"/> says the mount's daemon is gone (ENOTCONN, ECONNABORTED:
    /// it was killed), so that the round ends rather than spin on failures.
    /// </summary>
    private static bool MountGone(Exception error) => error.HResult is ENotConn or EConnAborted;

    private const int ENotConn = 107;
    private const int EConnAborted = 103;

    /// <summary>
    /// Writes <paramref name="chunks"/> MiB from offset 0: a new file, or over an existing one
    /// keeping its tail; fsync every few chunks and at the end. Returns the bytes written, or
    /// long.MaxValue when the mount is gone.
    /// </summary>
    private long WriteLarge(string path, int chunks, Random random, byte[] chunk, CancellationToken cancellation)
    {
        long written = 0;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var mode = random.Next(2) == 0 ? FileMode.Create : FileMode.OpenOrCreate;
            using var file = new FileStream(path, mode, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            for (var i = 0; i < chunks && !cancellation.IsCancellationRequested; i++)
            {
                random.NextBytes(chunk);
                file.Write(chunk);
                written += chunk.Length;
                Interlocked.Add(ref _bytes, chunk.Length);
                if (i % 8 == 7)
                    file.Flush(flushToDisk: true);
                Done(false);
            }
            file.Flush(flushToDisk: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Done(true);
            if (MountGone(error))
                return long.MaxValue;
        }
        return written;
    }

    private void Small(Random random, int operations, CancellationToken cancellation)
    {
        for (var i = 0; i < operations && !cancellation.IsCancellationRequested; i++)
        {
            if (MountGoneAfter(() => Step(random)))
                return;
        }
    }

    private string AnyDirectory(Random random) => Full(SmallDirectories[random.Next(SmallDirectories.Length)]);

    private string AnyFile(Random random) => Path.Combine(AnyDirectory(random), SmallNames[random.Next(SmallNames.Length)]);

    private void Step(Random random)
    {
        var file = AnyFile(random);
        switch (random.Next(16))
        {
            case 0:
            case 1:
                Directory.CreateDirectory(AnyDirectory(random));
                break;
            case 2:
            case 3:
                var content = Bytes(random, random.Next(4096));
                File.WriteAllBytes(file, content);
                Interlocked.Add(ref _bytes, content.Length);
                break;
            case 4:
            case 5:
                WriteAt(file, random.Next(16_384), Bytes(random, 1 + random.Next(2000)), fsync: random.Next(8) == 0, random.Next(3) == 0);
                break;
            case 6:
                using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0))
                    stream.SetLength(random.Next(8192));
                break;
            case 7:
            case 8:
                File.Move(file, AnyFile(random), overwrite: true);
                break;
            case 9:
                Directory.Move(AnyDirectory(random), Path.Combine(AnyDirectory(random), "m" + random.Next(2)));
                break;
            case 10:
            case 11:
                File.Delete(file);
                break;
            case 12:
                Directory.Delete(AnyDirectory(random));
                break;
            case 13:
                File.SetUnixFileMode(file, (UnixFileMode)random.Next(0x200) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                break;
            case 14:
                File.CreateSymbolicLink(file, SmallNames[random.Next(SmallNames.Length)]);
                break;
            case 15:
                WriteAt(file, 0, Bytes(random, 1 + random.Next(100)), fsync: true, create: true);
                break;
        }
    }

    private void WriteAt(string path, long offset, byte[] data, bool fsync, bool create)
    {
        using var stream = new FileStream(path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        RandomAccess.Write(stream.SafeFileHandle, data, offset);
        Interlocked.Add(ref _bytes, data.Length);
        if (fsync)
            stream.Flush(flushToDisk: true);
    }

    private static byte[] Bytes(Random random, int length)
    {
        var data = new byte[length];
        random.NextBytes(data);
        return data;
    }
}
