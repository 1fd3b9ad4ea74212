using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Binding;

/// <summary>
/// The backing directory's half of its binding to a journal: an extended attribute on its root
/// (<see cref="MarkXattrs"/>) naming the journal by id, and where it was, for messages. It goes
/// wherever the directory goes with its attributes (a move, cp -a, a restore), which is how a
/// copy is told from the original: the journal records the original's identity.
/// </summary>
public sealed record BackingMark(Guid JournalId, string Journal)
{
    private const string Kind = "vellum journal mark 1";

    public byte[] Format() => KeyValueText.Format(Kind, [("journal-id", JournalId.ToString()), ("journal", Journal)]);

    public static BackingMark? Parse(ReadOnlySpan<byte> bytes) =>
        KeyValueText.Parse(Kind, bytes) is { } pairs
        && pairs.TryGetValue("journal-id", out var id) && Guid.TryParse(id, out var journalId)
            ? new BackingMark(journalId, pairs.GetValueOrDefault("journal", "(unknown)"))
            : null;

    /// <summary>The mark on <paramref name="backing"/>'s root and the attribute holding it; null when it has none this process can read.</summary>
    public static (BackingMark Mark, string Name)? Read(string backing)
    {
        Span<byte> value = stackalloc byte[4096];
        foreach (var name in new[] { MarkXattrs.Trusted, MarkXattrs.User })
        {
            var length = LibC.GetXattr(backing, name, value);
            if (length >= 0 && Parse(value[..(int)length]) is { } mark)
                return (mark, name);
        }
        return null;
    }

    /// <summary>
    /// Stores the mark on <paramref name="backing"/>'s root: as trusted.* when root (no other
    /// user can see or change it even beside the mount), else, or where the filesystem keeps
    /// no trusted.* attributes, as user.*; an older mark under the other name is removed.
    /// Returns the name it went under.
    /// </summary>
    /// <exception cref="SystemCallException">Neither could be stored (no extended attributes there, or not the directory's owner).</exception>
    public string Write(string backing)
    {
        var value = Format();
        Errno error = Errno.EOPNOTSUPP;
        foreach (var name in Environment.IsPrivilegedProcess ? new[] { MarkXattrs.Trusted, MarkXattrs.User } : [MarkXattrs.User])
        {
            if (LibC.SetXattr(backing, name, value, 0) == 0)
            {
                var other = name == MarkXattrs.Trusted ? MarkXattrs.User : MarkXattrs.Trusted;
                LibC.RemoveXattr(backing, other);
                return name;
            }
            error = LibC.LastError();
            if (error is not (Errno.EOPNOTSUPP or Errno.EPERM))
                break;
        }
        throw new SystemCallException("setxattr", $"{backing} {MarkXattrs.User}", error);
    }

    public override string ToString() => $"journal {JournalId} at {Journal}";
}
