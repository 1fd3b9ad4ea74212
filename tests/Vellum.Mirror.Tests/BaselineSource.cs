using Microsoft.Win32.SafeHandles;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror.Tests;

/// <summary>
/// Baseline operations (docs/journal-format.md 3.5) describing the nodes of a real source
/// tree, read from it as a mount's baseline reads them: type, device number and symlink
/// target for NAME, the size for RESET, each run of data (SEEK_DATA / SEEK_HOLE) in pieces
/// for DATA, owner, mode, times and every xattr for ATTRS. Contents are read with O_NOATIME
/// so that describing a file does not move the atime it describes.
/// </summary>
internal sealed class BaselineSource(string root)
{
    public string Full(string path) => path.Length == 0 ? root : Path.Combine(root, path);

    /// <summary>A baseline operation with <paramref name="flags"/>, its REDO <paramref name="redo"/> (FLAGS set here).</summary>
    public static JournalOperation Operation(BaselineFlags flags, string? path, OperationState? redo = null, string? path2 = null)
    {
        redo ??= new OperationState();
        redo.Flags = (uint)flags;
        var operation = JournalBuilder.Operation(SubRecordType.Baseline, path, path2, redo);
        operation.Credentials = new Credentials { Uid = 0, Gid = 0, Pid = 42, Command = "vellum"u8.ToArray() };
        return operation;
    }

    /// <summary>NAME of the node at <paramref name="path"/> as it is, with what <paramref name="more"/> needs (RESET: its size; ATTRS: its attributes).</summary>
    public JournalOperation Name(string path, BaselineFlags more = BaselineFlags.None)
    {
        var redo = State(path, more);
        var stat = Sys.Lstat(Full(path));
        redo.Attributes ??= new NodeAttributes();
        redo.Attributes.Mode = stat.Mode;
        if ((stat.Mode & LibCConstants.SIfMt) is LibCConstants.SIfChr or LibCConstants.SIfBlk)
            redo.Attributes.Rdev = stat.Rdev;
        if ((stat.Mode & LibCConstants.SIfMt) == LibCConstants.SIfLnk)
            redo.Target = Sys.ReadLink(Full(path));
        return Operation(BaselineFlags.Name | more, path, redo);
    }

    /// <summary>NAME with PATH2: <paramref name="path"/> is another name of <paramref name="existing"/>'s node.</summary>
    public static JournalOperation HardLink(string path, string existing) => Operation(BaselineFlags.Name, path, path2: existing);

    /// <summary>ATTRS of the node at <paramref name="path"/> ("" for the root): owner, mode, atime, mtime, every xattr.</summary>
    public JournalOperation Attrs(string path) => Operation(BaselineFlags.Attrs, path, State(path, BaselineFlags.Attrs));

    /// <summary>
    /// A regular file's content: RESET with its size, a DATA per piece of at most
    /// <paramref name="piece"/> bytes of each run of data (holes stay holes), ATTRS last. One
    /// operation when it all fits (RESET | DATA | ATTRS), as a mount writes a small file.
    /// </summary>
    public List<JournalOperation> Content(string path, int piece)
    {
        var pieces = DataPieces(path, piece);
        if (pieces.Count <= 1)
        {
            var flags = BaselineFlags.Reset | BaselineFlags.Attrs | (pieces.Count == 1 ? BaselineFlags.Data : BaselineFlags.None);
            var redo = State(path, flags);
            if (pieces.Count == 1)
                (redo.Offset, redo.Data) = ((ulong)pieces[0].Offset, pieces[0].Data);
            return [Operation(flags, path, redo)];
        }
        var operations = new List<JournalOperation> { Operation(BaselineFlags.Reset, path, State(path, BaselineFlags.Reset)) };
        operations.AddRange(pieces.Select(data => Operation(BaselineFlags.Data, path, new OperationState { Offset = (ulong)data.Offset, Data = data.Data })));
        operations.Add(Attrs(path));
        return operations;
    }

    private OperationState State(string path, BaselineFlags flags)
    {
        var redo = new OperationState();
        var stat = Sys.Lstat(Full(path));
        if (flags.HasFlag(BaselineFlags.Reset))
            redo.Attributes = new NodeAttributes { Size = stat.Size };
        if (flags.HasFlag(BaselineFlags.Attrs))
        {
            redo.Attributes ??= new NodeAttributes();
            redo.Attributes.Mode = stat.Mode;
            redo.Attributes.Uid = stat.Uid;
            redo.Attributes.Gid = stat.Gid;
            redo.Attributes.Atime = new JournalTimestamp(stat.Atime.Seconds, stat.Atime.Nanoseconds);
            redo.Attributes.Mtime = new JournalTimestamp(stat.Mtime.Seconds, stat.Mtime.Nanoseconds);
            redo.Xattrs.AddRange(Sys.Xattrs(Full(path)));
        }
        return redo;
    }

    private List<(long Offset, byte[] Data)> DataPieces(string path, int piece)
    {
        var fd = LibC.OpenAt(LibCConstants.AtFdCwd, Full(path), LibCConstants.ORdOnly | LibCConstants.ONoAtime | LibCConstants.OCloExec);
        if (fd < 0)
            throw SystemCallException.Last("open", Full(path));
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        var pieces = new List<(long, byte[])>();
        for (long at = 0; ;)
        {
            var start = LibC.LSeek(fd, at, LibCConstants.SeekData);
            if (start < 0)
                return pieces; // ENXIO: no data after it
            var end = LibC.LSeek(fd, start, LibCConstants.SeekHole);
            for (var offset = start; offset < end; offset += piece)
            {
                var data = new byte[Math.Min(piece, end - offset)];
                Assert.Equal(data.Length, RandomAccess.Read(file, data, offset));
                pieces.Add((offset, data));
            }
            at = end;
        }
    }
}
