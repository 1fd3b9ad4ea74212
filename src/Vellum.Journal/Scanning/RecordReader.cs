using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

internal enum RecordStatus
{
    Record,
    EndOfInput,
    Damaged,
}

/// <summary>
/// Stream-record framing: checks every field of a record before handing out its payload, and
/// classifies a damaged record as a torn tail or corruption by looking for a valid record after it.
/// Zero bytes from a record boundary to the end of the input are no record at all: they end
/// the input (a segment file's preallocated space, docs/journal-format.md 1.4).
/// </summary>
internal sealed class RecordReader(StreamWindow window)
{
    /// <summary>
    /// Bytes of candidate records the look-ahead may load and check. Chance candidates are rare
    /// (a magic and a plausible size at a slot), but input crafted with one in every slot would
    /// cost a maximum record each; past this budget the damage is called corruption, which
    /// keeps every byte, rather than a torn tail, which invites truncation.
    /// </summary>
    private const long LookAheadBudget = 256L * 1024 * 1024;

    /// <summary>What <see cref="FindValidRecordAfterHeader"/> returns when the budget ran out.</summary>
    private const long BudgetSpent = -1;

    /// <summary>Where the input's zero-filled tail starts, once reading ended at one.</summary>
    public long? ZeroTailOffset { get; private set; }

    public RecordStatus Read(out StreamRecord record, out JournalError? damage)
    {
        record = default;
        damage = null;
        var offset = window.Position;
        if (!window.Ensure(1))
            return RecordStatus.EndOfInput;
        if (!window.Ensure(JournalFormat.HeaderSize))
        {
            if (!window.Span.ContainsAnyExcept((byte)0))
                return EndAtZeroTail(offset);
            damage = JournalError.Torn(offset, $"a {JournalFormat.HeaderSize}-byte record header", $"{window.Available} bytes before the end of input");
            return RecordStatus.Damaged;
        }
        var header = RecordHeader.Parse(window.Span);
        if (RecordCheck.Header(header) is { } headerProblem)
        {
            var zeroHeader = !window.Span[..JournalFormat.HeaderSize].ContainsAnyExcept((byte)0);
            var follower = FindValidRecordAfterHeader(out var zerosOnly);
            if (follower is null && zeroHeader && zerosOnly)
                return EndAtZeroTail(offset);
            damage = Classify(offset, headerProblem, follower);
            return RecordStatus.Damaged;
        }
        var aligned = JournalFormat.AlignedRecordSize((int)header.RecordSize);
        if (!window.Ensure(aligned))
        {
            damage = ClassifyTruncated(offset, header, aligned);
            return RecordStatus.Damaged;
        }
        var bytes = window.Span[..aligned];
        if (RecordCheck.Body(bytes, header, offset) is { } bodyProblem)
        {
            damage = Classify(offset, bodyProblem, FindValidRecordAfterHeader(out _));
            return RecordStatus.Damaged;
        }
        window.Advance(aligned);
        // The window only moves its bytes when it is next filled, so the payload stays valid until then.
        record = new StreamRecord(offset, header, bytes.Slice(JournalFormat.HeaderSize, (int)header.RecordSize - JournalFormat.MinRecordSize));
        return RecordStatus.Record;
    }

    private RecordStatus EndAtZeroTail(long offset)
    {
        ZeroTailOffset = offset;
        return RecordStatus.EndOfInput;
    }

    private static JournalError Classify(long offset, RecordProblem problem, long? follower) => follower is not null
        ? JournalError.Corrupt(offset, problem.Expected, problem.Found)
        : JournalError.Torn(offset, problem.Expected, problem.Found);

    private JournalError ClassifyTruncated(long offset, RecordHeader header, int aligned)
    {
        var present = window.Available;
        // A valid record inside the declared extent means the size field, not the write, is broken.
        return FindValidRecordAfterHeader(out _) switch
        {
            null => JournalError.Torn(offset, $"{aligned} bytes of record", $"{present} bytes before the end of input"),
            BudgetSpent => JournalError.Corrupt(offset, $"{aligned} bytes of record",
                $"{present} bytes before the end of input, after too many near-valid records to tell whether the size is damaged"),
            var follower => JournalError.Corrupt(offset, $"a record of {header.RecordSize} bytes (its declared size)",
                $"a valid record at byte {follower} inside it, and the input ending {present} bytes after its start"),
        };
    }

    /// <summary>
    /// Slides over the rest of the input in 16-byte steps from just after the damaged record's
    /// header. Only the candidate record is held, so memory stays within one maximum record.
    /// Returns the offset of the first valid record, null if there is none, or
    /// <see cref="BudgetSpent"/>; <paramref name="zerosOnly"/> tells whether every byte it
    /// passed over was zero (meaningful when it returns null).
    /// </summary>
    private long? FindValidRecordAfterHeader(out bool zerosOnly)
    {
        var budget = LookAheadBudget;
        zerosOnly = true;
        window.Advance(JournalFormat.HeaderSize);
        while (window.Ensure(JournalFormat.HeaderSize))
        {
            zerosOnly = zerosOnly && !window.Span[..JournalFormat.RecordAlignment].ContainsAnyExcept((byte)0);
            var header = RecordHeader.Parse(window.Span);
            if (RecordCheck.Header(header) is null)
            {
                var aligned = JournalFormat.AlignedRecordSize((int)header.RecordSize);
                budget -= aligned;
                if (budget < 0)
                    return BudgetSpent;
                if (window.Ensure(aligned) && RecordCheck.Body(window.Span[..aligned], header, window.Position) is null)
                    return window.Position;
            }
            window.Advance(JournalFormat.RecordAlignment);
        }
        zerosOnly = zerosOnly && !window.Span.ContainsAnyExcept((byte)0);
        return null;
    }
}
