using System.Text;
using Microsoft.Win32.SafeHandles;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror.Tests;

/// <summary>
/// Journal paths longer than PATH_MAX: the kernel takes none of them whole, so the mirror
/// opens their directories a piece at a time, with the same rules for every piece.
/// </summary>
public sealed class DeepPathTests : IDisposable
{
    /// <summary>24 levels of 200-byte names: 4,824 bytes, past PATH_MAX.</summary>
    private const int Levels = 24;

    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private static string Level(int i) => $"{i:D3}" + new string('d', 197);

    private static string PathTo(int levels) => string.Join('/', Enumerable.Range(0, levels).Select(Level));

    private static JournalOperation Mkdir(string path) => JournalBuilder.Operation(SubRecordType.Mkdir, path,
        redo: new OperationState { Attributes = new NodeAttributes { Mode = 0x41ED, Uid = 0, Gid = 0 } });

    [Fact]
    public void A_path_longer_than_PATH_MAX_is_applied_a_piece_at_a_time()
    {
        var deep = PathTo(Levels);
        using (var journal = new JournalBuilder(_work.Store))
        {
            for (var i = 1; i <= Levels; i++)
                journal.Commit(Mkdir(PathTo(i)));
            journal.Commit(JournalBuilder.Operation(SubRecordType.Create, $"{deep}/f",
                redo: new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4, Uid = 0, Gid = 0 } }));
            journal.Commit(JournalBuilder.Operation(SubRecordType.Write, $"{deep}/f", redo: new OperationState { Offset = 0, Data = "deep"u8.ToArray() }));
            journal.Commit(JournalBuilder.Operation(SubRecordType.Rename, $"{deep}/f", $"{PathTo(Levels - 1)}/g"));
        }

        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();

        Assert.True(Encoding.UTF8.GetByteCount(deep) > 4096);
        Assert.Equal("deep", Read(_work.Replica, [.. Enumerable.Range(0, Levels - 1).Select(Level), "g"]));
    }

    [Fact]
    public void A_symlink_past_the_first_PATH_MAX_bytes_of_a_path_is_refused_naming_the_transaction()
    {
        ulong hostile;
        using (var journal = new JournalBuilder(_work.Store))
        {
            for (var i = 1; i <= Levels; i++)
                journal.Commit(Mkdir(PathTo(i)));
            journal.Commit(JournalBuilder.Operation(SubRecordType.Symlink, $"{PathTo(Levels)}/link",
                redo: new OperationState { Target = Encoding.UTF8.GetBytes(_work.Sentinel) }));
            hostile = journal.Commit(JournalBuilder.Operation(SubRecordType.Write, $"{PathTo(Levels)}/link/keep",
                redo: new OperationState { Offset = 0, Data = "escaped"u8.ToArray() }));
        }

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        var refused = Assert.Throws<MirrorPathException>(() => mirror.CatchUp());

        Assert.Equal(hostile, refused.TransactionId);
        Assert.EndsWith("/link/keep' passes through a symlink", refused.Message, StringComparison.Ordinal);
        _work.AssertNothingEscaped();
    }

    /// <summary>The content of the file at <paramref name="components"/> under <paramref name="root"/>, opened a directory at a time.</summary>
    private static string Read(string root, string[] components)
    {
        var directory = OpenAt(LibCConstants.AtFdCwd, root, LibCConstants.ODirectory);
        try
        {
            foreach (var name in components[..^1])
            {
                var next = OpenAt(directory, name, LibCConstants.ODirectory);
                LibC.Close(directory);
                directory = next;
            }
            using var file = new SafeFileHandle(OpenAt(directory, components[^1], 0), ownsHandle: true);
            var buffer = new byte[64];
            return Encoding.UTF8.GetString(buffer, 0, RandomAccess.Read(file, buffer, 0));
        }
        finally
        {
            LibC.Close(directory);
        }
    }

    private static int OpenAt(int directory, string name, int flags)
    {
        var fd = LibC.OpenAt(directory, name, flags | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        return fd >= 0 ? fd : throw SystemCallException.Last("open", name);
    }
}
