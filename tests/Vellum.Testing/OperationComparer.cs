using Vellum.Journal.Operations;

namespace Vellum.Testing;

/// <summary>Compares operations field by field, byte fields by content; can name the first difference.</summary>
public sealed class OperationComparer : IEqualityComparer<JournalOperation>
{
    public static readonly OperationComparer Instance = new();

    public bool Equals(JournalOperation? x, JournalOperation? y) => FirstDifference(x, y) is null;

    public int GetHashCode(JournalOperation obj) => HashCode.Combine(obj.Kind, obj.Time, obj.Path?.Length);

    /// <summary>Null when equal; otherwise which field differs, for a readable failure.</summary>
    public static string? FirstDifference(JournalOperation? x, JournalOperation? y)
    {
        if (x is null || y is null)
            return x == y ? null : "one operation is null";
        return Check(x.Kind == y.Kind, "Kind")
            ?? Check(x.Time == y.Time, "Time")
            ?? Check(x.Credentials.Uid == y.Credentials.Uid && x.Credentials.Gid == y.Credentials.Gid && x.Credentials.Pid == y.Credentials.Pid, "Credentials")
            ?? Check(Same(x.Credentials.Command, y.Credentials.Command), "Credentials.Command")
            ?? Check(Same(x.Path, y.Path), "Path")
            ?? Check(Same(x.Path2, y.Path2), "Path2")
            ?? Check(x.Inode == y.Inode, "Inode")
            ?? Check(x.Generation == y.Generation, "Generation")
            ?? StateDifference(x.Redo, y.Redo, "Redo")
            ?? StateDifference(x.Undo, y.Undo, "Undo");
    }

    private static string? StateDifference(OperationState? x, OperationState? y, string name)
    {
        if (x is null || y is null)
            return x == y ? null : $"{name} present in only one";
        return AttributesDifference(x.Attributes, y.Attributes, name)
            ?? Check(x.Offset == y.Offset, $"{name}.Offset")
            ?? Check(x.Length == y.Length, $"{name}.Length")
            ?? Check(x.Flags == y.Flags, $"{name}.Flags")
            ?? Check(Same(x.Target, y.Target), $"{name}.Target")
            ?? Check(Same(x.Label, y.Label), $"{name}.Label")
            ?? Check(x.Xattrs.Count == y.Xattrs.Count, $"{name}.Xattrs.Count")
            ?? Check(x.Xattrs.Zip(y.Xattrs).All(pair => Same(pair.First.Name, pair.Second.Name) && Same(pair.First.Value, pair.Second.Value)), $"{name}.Xattrs")
            ?? Check(x.Data.HasValue == y.Data.HasValue, $"{name}.Data presence")
            ?? Check(!x.Data.HasValue || x.Data.Value.Span.SequenceEqual(y.Data!.Value.Span), $"{name}.Data bytes");
    }

    private static string? AttributesDifference(NodeAttributes? x, NodeAttributes? y, string name)
    {
        if (x is null || y is null)
            return x == y ? null : $"{name}.Attributes present in only one";
        return Check(x.Mode == y.Mode && x.Uid == y.Uid && x.Gid == y.Gid && x.Size == y.Size
            && x.Atime == y.Atime && x.Mtime == y.Mtime && x.Ctime == y.Ctime && x.Rdev == y.Rdev, $"{name}.Attributes");
    }

    private static bool Same(byte[]? x, byte[]? y) => x is null || y is null ? x == y : x.AsSpan().SequenceEqual(y);

    private static string? Check(bool equal, string field) => equal ? null : field;
}
