using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>What <see cref="RecordReader.Read"/> found next.</summary>
public enum RecordStatus
{
    Record,
    EndOfInput,
    Damaged,
}

/// <summary>
/// Reads the records of a byte stream one by one, each framed and checked whole
/// (<see cref="RecordFrame"/>) before it is handed out, and classifies a damaged record as a
/// torn tail or corruption by looking for a valid record after it. Zero bytes from a record
/// boundary to the end of the input are no record at all: they end the input (a segment
/// file's preallocated space, docs/journal-format.md 1.4). Records are read in large blocks
/// into one pooled buffer: nothing is allocated per record.
/// </summary>
public sealed class RecordReader : IDisposable
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

    private readonly StreamWindow _window;

    /// <param name="input">Read from its current position on; left open.</param>
    /// <param name="startOffset">What that position is called in records' offsets and in damage (a store position, say).</param>
    public RecordReader(Stream input, long startOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        _window = new StreamWindow(input, startOffset);
    }

    /// <summary>Where the input's zero-filled tail starts, once reading ended at one.</summary>
    public long? ZeroTailOffset { get; private set; }

    /// <summary>
    /// The next record, whole and checked; its spans stay valid until the next call. At damage
    /// <paramref name="damage"/> says where, what was expected and found, and whether it is a
    /// torn tail (nothing valid after it) or corruption.
    /// </summary>
    public RecordStatus Read(out RecordFrame record, out JournalError? damage)
    {
        record = default;
        damage = null;
        var offset = _window.Position;
        if (!_window.Ensure(1))
            return RecordStatus.EndOfInput;
        // The window moves its bytes only when it is next filled, so a whole frame's spans stay valid until then.
        var frame = RecordFrame.Read(_window.Span, offset);
        while (frame.Status == FrameStatus.Incomplete && _window.Ensure(frame.Length))
            frame = RecordFrame.Read(_window.Span, offset);
        switch (frame.Status)
        {
            case FrameStatus.Whole:
                _window.Advance(frame.Length);
                record = frame;
                return RecordStatus.Record;
            case FrameStatus.Incomplete when _window.Available < JournalFormat.HeaderSize:
                if (!_window.Span.ContainsAnyExcept((byte)0))
                    return EndAtZeroTail(offset);
                damage = JournalError.Torn(offset, $"a {JournalFormat.HeaderSize}-byte record header", $"{_window.Available} bytes before the end of input");
                return RecordStatus.Damaged;
            case FrameStatus.Incomplete:
                damage = ClassifyTruncated(offset, frame.Header, frame.Length);
                return RecordStatus.Damaged;
            default:
                return Damaged(frame, offset, out damage);
        }
    }

    private RecordStatus Damaged(RecordFrame frame, long offset, out JournalError? damage)
    {
        var problem = frame.Problem!.Value;
        if (frame.Length > 0)
        {
            damage = Classify(offset, problem, FindValidRecordAfterHeader(out _));
            return RecordStatus.Damaged;
        }
        var zeroHeader = !_window.Span[..JournalFormat.HeaderSize].ContainsAnyExcept((byte)0);
        var follower = FindValidRecordAfterHeader(out var zerosOnly);
        if (follower is null && zeroHeader && zerosOnly)
        {
            damage = null;
            return EndAtZeroTail(offset);
        }
        damage = Classify(offset, problem, follower);
        return RecordStatus.Damaged;
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
        var present = _window.Available;
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
        _window.Advance(JournalFormat.HeaderSize);
        while (_window.Ensure(JournalFormat.HeaderSize))
        {
            zerosOnly = zerosOnly && !_window.Span[..JournalFormat.RecordAlignment].ContainsAnyExcept((byte)0);
            var candidate = RecordFrame.Read(_window.Span, _window.Position, checkBody: false);
            if (candidate.Status != FrameStatus.Damaged)
            {
                budget -= candidate.Length;
                if (budget < 0)
                    return BudgetSpent;
                if (_window.Ensure(candidate.Length) && RecordFrame.Read(_window.Span, _window.Position).Status == FrameStatus.Whole)
                    return _window.Position;
            }
            _window.Advance(JournalFormat.RecordAlignment);
        }
        zerosOnly = zerosOnly && !_window.Span.ContainsAnyExcept((byte)0);
        return null;
    }

    public void Dispose() => _window.Dispose();
}
