using System.Text;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// Random changes of every kind through a mount, from several threads over one small set
/// of names, so threads collide: operations fail, names move under each other, files are
/// unlinked while another thread writes them. Failures are expected and ignored; what the
/// tests check is that whatever did happen is what the journal says happened.
/// </summary>
internal sealed class RandomWorkload(string root, int seed)
{
    private static readonly string[] Directories = ["", "a", "b", "a/c"];
    private static readonly string[] Names = ["f0", "f1", "f2", "f3", "f4", "f5"];
    private static readonly uint[] RenameFlags = [LibCConstants.RenameNoReplace, LibCConstants.RenameExchange, LibCConstants.RenameWhiteout];

    private long _fsyncs;

    /// <summary>fsync calls that returned success.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Runs <paramref name="threads"/> threads of <paramref name="operations"/> operations each, or until cancelled.</summary>
    public void Run(int threads, int operations, CancellationToken cancellation = default) =>
        WorkerThreads.Run(threads, seed, random => Worker(random, operations, cancellation));

    private void Worker(Random random, int operations, CancellationToken cancellation)
    {
        for (var i = 0; i < operations && !cancellation.IsCancellationRequested; i++)
        {
            try
            {
                Step(random);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Collisions between threads, and a daemon killed under load, make operations fail.
            }
        }
    }

    private string AnyDirectory(Random random) => Path.Combine(root, Directories[random.Next(Directories.Length)]);

    private string AnyFile(Random random) => Path.Combine(AnyDirectory(random), Names[random.Next(Names.Length)]);

    private static byte[] Bytes(Random random, int length)
    {
        var data = new byte[length];
        random.NextBytes(data);
        return data;
    }

    private void Step(Random random)
    {
        var file = AnyFile(random);
        switch (random.Next(20))
        {
            case 0:
                Directory.CreateDirectory(AnyDirectory(random));
                break;
            case 1:
            case 2:
            case 3:
                Sys.WriteAt(file, random.Next(3) == 0 ? random.Next(1 << 20) : random.Next(8192), Bytes(random, 1 + random.Next(random.Next(4) == 0 ? 200_000 : 5000)));
                break;
            case 4:
                Truncate(file, random.Next(20_000));
                break;
            case 5:
                File.Move(file, AnyFile(random), overwrite: true);
                break;
            case 6:
                LibC.RenameAt2(LibCConstants.AtFdCwd, file, LibCConstants.AtFdCwd, AnyFile(random), RenameFlags[random.Next(RenameFlags.Length)]);
                break;
            case 7:
                LibC.LinkAt(LibCConstants.AtFdCwd, file, LibCConstants.AtFdCwd, AnyFile(random));
                break;
            case 8:
                File.CreateSymbolicLink(file, Names[random.Next(Names.Length)]);
                break;
            case 9:
                File.Delete(file);
                break;
            case 10:
                Directory.Delete(AnyDirectory(random));
                break;
            case 11:
                File.SetUnixFileMode(file, (UnixFileMode)random.Next(0x200) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                break;
            case 12:
                LibC.FChownAt(LibCConstants.AtFdCwd, file, (uint)(1000 + random.Next(3)), (uint)(1000 + random.Next(3)), LibCConstants.AtSymlinkNoFollow);
                break;
            case 13:
                File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(random.Next(1_000_000)).AddTicks(random.Next(10_000_000)));
                break;
            case 14:
                LibC.SetXattr(file, "user.k" + random.Next(3), Encoding.UTF8.GetBytes("v" + random.Next(1000)), 0);
                break;
            case 15:
                LibC.RemoveXattr(file, "user.k" + random.Next(3));
                break;
            case 16:
                PunchHole(file, random);
                break;
            case 17:
                Copy(file, AnyFile(random), random);
                break;
            case 18:
                Fsync(file, random);
                break;
            case 19:
                LibC.MknodAt(LibCConstants.AtFdCwd, Path.Combine(AnyDirectory(random), "p" + random.Next(2)), 0x1000 | 0x1A4, 0);
                break;
        }
    }

    private static void Truncate(string file, long length)
    {
        var fd = Sys.Open(file, LibCConstants.OWrOnly, 0);
        if (fd < 0)
            return;
        LibC.FTruncate(fd, length);
        LibC.Close(fd);
    }

    private static void PunchHole(string file, Random random)
    {
        var fd = Sys.Open(file, LibCConstants.OWrOnly, 0);
        if (fd < 0)
            return;
        LibC.FAllocate(fd, (LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize), random.Next(16) * 4096, (1 + random.Next(4)) * 4096);
        LibC.Close(fd);
    }

    private static unsafe void Copy(string from, string to, Random random)
    {
        var source = Sys.Open(from, 0, 0);
        if (source < 0)
            return;
        var destination = Sys.Open(to, LibCConstants.OWrOnly | LibCConstants.OCreat, 0x1A4);
        if (destination >= 0)
        {
            long sourceOffset = random.Next(4096);
            long destinationOffset = random.Next(65536);
            LibC.CopyFileRange(source, &sourceOffset, destination, &destinationOffset, (nuint)random.Next(100_000), 0);
            LibC.Close(destination);
        }
        LibC.Close(source);
    }

    private void Fsync(string file, Random random)
    {
        var fd = Sys.Open(file, LibCConstants.OWrOnly, 0);
        if (fd < 0)
            return;
        if ((random.Next(2) == 0 ? LibC.FSync(fd) : LibC.FDataSync(fd)) == 0)
            Interlocked.Increment(ref _fsyncs);
        LibC.Close(fd);
    }
}
