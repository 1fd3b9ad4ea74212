using Vellum.Journal.Format;
using Vellum.Passthrough;

namespace Vellum.Recording;

internal static class ChangeTypes
{
    /// <summary>The journal operation a change becomes; copy_file_range is journaled as the write it amounts to.</summary>
    public static SubRecordType OperationOf(ChangeKind kind) => kind switch
    {
        ChangeKind.Create => SubRecordType.Create,
        ChangeKind.Mkdir => SubRecordType.Mkdir,
        ChangeKind.Mknod => SubRecordType.Mknod,
        ChangeKind.Symlink => SubRecordType.Symlink,
        ChangeKind.Link => SubRecordType.Link,
        ChangeKind.Unlink => SubRecordType.Unlink,
        ChangeKind.Rmdir => SubRecordType.Rmdir,
        ChangeKind.Rename => SubRecordType.Rename,
        ChangeKind.Write or ChangeKind.CopyFileRange => SubRecordType.Write,
        ChangeKind.Truncate => SubRecordType.Truncate,
        ChangeKind.SetAttr => SubRecordType.SetAttr,
        ChangeKind.SetXattr => SubRecordType.SetXattr,
        ChangeKind.RemoveXattr => SubRecordType.RemoveXattr,
        ChangeKind.Fallocate => SubRecordType.Fallocate,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a journaled change"),
    };

    /// <summary>Changes that name a new or removed entry in Parent (PATH is Parent/Name).</summary>
    public static bool IsEntryChange(ChangeKind kind) =>
        kind is ChangeKind.Create or ChangeKind.Mkdir or ChangeKind.Mknod or ChangeKind.Symlink
            or ChangeKind.Unlink or ChangeKind.Rmdir or ChangeKind.Rename;

    /// <summary>
    /// Changes that can move or remove an existing name, so the path of another node in
    /// flight could change under it: they run alone (see <see cref="JournalRecorder"/>).
    /// </summary>
    public static bool MovesNames(ChangeKind kind) =>
        kind is ChangeKind.Rename or ChangeKind.Unlink or ChangeKind.Rmdir or ChangeKind.Link;

    /// <summary>Changes that make a new node.</summary>
    public static bool Creates(ChangeKind kind) =>
        kind is ChangeKind.Create or ChangeKind.Mkdir or ChangeKind.Mknod or ChangeKind.Symlink;
}
