using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

internal readonly record struct ChildRule(SubRecordType Type, bool Required = false, bool Repeats = false);

/// <summary>
/// The children each nested type may hold, in the only order they may appear
/// (docs/journal-format.md 3.1 group table and 3.2). PAD is allowed anywhere and is not listed.
/// </summary>
internal static class ChildSchema
{
    private static readonly ChildRule[] OperationChildren =
    [
        new(SubRecordType.Time, Required: true),
        new(SubRecordType.Cred, Required: true),
        new(SubRecordType.Path),
        new(SubRecordType.Path2),
        new(SubRecordType.Inode),
        new(SubRecordType.Generation),
        new(SubRecordType.Redo),
        new(SubRecordType.Undo),
        new(SubRecordType.Result),
    ];

    private static readonly ChildRule[] ResultChildren =
    [
        new(SubRecordType.Inode),
        new(SubRecordType.Attr),
        new(SubRecordType.DirMtime),
        new(SubRecordType.Dir2Mtime),
    ];

    private static readonly ChildRule[] CredChildren =
    [
        new(SubRecordType.Uid, Required: true),
        new(SubRecordType.Gid, Required: true),
        new(SubRecordType.Pid, Required: true),
        new(SubRecordType.Comm),
    ];

    private static readonly ChildRule[] StateChildren =
    [
        new(SubRecordType.Attr),
        new(SubRecordType.Offset),
        new(SubRecordType.Length),
        new(SubRecordType.Flags),
        new(SubRecordType.Target),
        new(SubRecordType.Label),
        new(SubRecordType.Xattr, Repeats: true),
        new(SubRecordType.Data),
    ];

    private static readonly ChildRule[] AttrChildren =
    [
        new(SubRecordType.Mode),
        new(SubRecordType.Uid),
        new(SubRecordType.Gid),
        new(SubRecordType.Size),
        new(SubRecordType.Atime),
        new(SubRecordType.Mtime),
        new(SubRecordType.Ctime),
        new(SubRecordType.Rdev),
    ];

    private static readonly ChildRule[] XattrChildren =
    [
        new(SubRecordType.XattrName, Required: true),
        new(SubRecordType.XattrValue),
    ];

    /// <summary>The rules for a nested type (callers have checked that it is one).</summary>
    public static ChildRule[] For(SubRecordType nested) => nested switch
    {
        SubRecordType.Cred => CredChildren,
        SubRecordType.Redo or SubRecordType.Undo => StateChildren,
        SubRecordType.Attr => AttrChildren,
        SubRecordType.Result => ResultChildren,
        SubRecordType.Xattr => XattrChildren,
        _ => OperationChildren,
    };
}
