namespace Vellum.Journal.Scanning;

/// <summary>What damage means for the bytes after it (docs/journal-format.md, section 1.4).</summary>
public enum JournalErrorKind
{
    /// <summary>An unfinished write: everything before the offset is good and a writer may truncate there.</summary>
    TornTail,

    /// <summary>Damage with journal after it, or a well-formed record that breaks a rule: nothing may be truncated.</summary>
    Corrupt,
}

/// <summary>
/// Where reading stopped and why: what the format required and what the bytes held.
/// <see cref="Offset"/> is the stream offset of the damaged record; for a rule broken inside a
/// transaction's sub-records it is the record holding the offending byte, which can lie before
/// entries of interleaved transactions already returned. A torn tail's offset always follows
/// every entry returned, and is where a writer may truncate.
/// </summary>
public sealed record JournalError(JournalErrorKind Kind, long Offset, string Expected, string Found)
{
    public string Message => Kind == JournalErrorKind.TornTail
        ? $"torn tail at byte {Offset}: expected {Expected}, found {Found}"
        : $"corrupt journal at byte {Offset}: expected {Expected}, found {Found}";

    public override string ToString() => Message;

    internal static JournalError Corrupt(long offset, string expected, string found) => new(JournalErrorKind.Corrupt, offset, expected, found);

    internal static JournalError Torn(long offset, string expected, string found) => new(JournalErrorKind.TornTail, offset, expected, found);
}
