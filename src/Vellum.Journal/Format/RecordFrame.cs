namespace Vellum.Journal.Format;

/// <summary>What <see cref="RecordFrame.Read"/> found at the start of its input.</summary>
public enum FrameStatus
{
    /// <summary>
    /// The input ends inside the record: <see cref="RecordFrame.Length"/> is the number of bytes
    /// needed to go on (a header's worth, or the whole record once its header held).
    /// </summary>
    Incomplete,

    /// <summary>A whole record whose checks passed: <see cref="RecordFrame.Bytes"/> holds it.</summary>
    Whole,

    /// <summary>The record breaks a rule of the format: <see cref="RecordFrame.Problem"/> says which.</summary>
    Damaged,
}

/// <summary>
/// One stream record framed at the start of some bytes: the one place that decides where a
/// record ends and whether its header, padding, trailer and CRC32C hold (docs/journal-format.md,
/// section 1). The scanner, recovery and both ends of replication frame records with it. It
/// copies and allocates nothing: the spans are slices of the input.
/// </summary>
public readonly ref struct RecordFrame
{
    private RecordFrame(FrameStatus status, long offset, RecordHeader header, int length, ReadOnlySpan<byte> bytes, RecordProblem? problem)
    {
        (Status, Offset, Header, Length, Problem) = (status, offset, header, length, problem);
        Bytes = bytes;
    }

    public FrameStatus Status { get; }

    /// <summary>Where the record starts, counted as the caller counts (a stream offset, a store position), for messages.</summary>
    public long Offset { get; }

    /// <summary>The record's header; parsed whenever the input held a header's worth of bytes.</summary>
    public RecordHeader Header { get; }

    /// <summary>
    /// Bytes the record occupies (a multiple of 16) when <see cref="FrameStatus.Whole"/>; the
    /// bytes needed when <see cref="FrameStatus.Incomplete"/>; when
    /// <see cref="FrameStatus.Damaged"/>, the extent its header declares, or 0 if the header
    /// itself is damaged.
    /// </summary>
    public int Length { get; }

    /// <summary>The whole record: header, payload, zero padding and trailer. Empty unless <see cref="FrameStatus.Whole"/>.</summary>
    public ReadOnlySpan<byte> Bytes { get; }

    public ReadOnlySpan<byte> Payload => Bytes.IsEmpty ? default : Bytes.Slice(JournalFormat.HeaderSize, (int)Header.RecordSize - JournalFormat.MinRecordSize);

    /// <summary>Where the payload starts, counted as <see cref="Offset"/> is.</summary>
    public long PayloadOffset => Offset + JournalFormat.HeaderSize;

    /// <summary>What the damaged record should have held and what it held; null unless <see cref="FrameStatus.Damaged"/>.</summary>
    public RecordProblem? Problem { get; }

    /// <summary>
    /// Frames the record at the start of <paramref name="input"/>: its header first (magic, size
    /// range), then, once the input holds the extent the header declares, the rest (padding,
    /// trailer, CRC32C) unless <paramref name="checkBody"/> is false (a caller that hands the
    /// bytes to a store, which checks them again, need not pay for the CRC twice).
    /// </summary>
    /// <param name="offset">Where <paramref name="input"/> starts, for <see cref="Offset"/> and the place of a bad padding byte.</param>
    public static RecordFrame Read(ReadOnlySpan<byte> input, long offset = 0, bool checkBody = true)
    {
        if (input.Length < JournalFormat.HeaderSize)
            return new(FrameStatus.Incomplete, offset, default, JournalFormat.HeaderSize, default, null);
        var header = RecordHeader.Parse(input);
        if (RecordCheck.Header(header) is { } headerProblem)
            return new(FrameStatus.Damaged, offset, header, 0, default, headerProblem);
        var aligned = JournalFormat.AlignedRecordSize((int)header.RecordSize);
        if (input.Length < aligned)
            return new(FrameStatus.Incomplete, offset, header, aligned, default, null);
        var bytes = input[..aligned];
        if (checkBody && RecordCheck.Body(bytes, header, offset) is { } bodyProblem)
            return new(FrameStatus.Damaged, offset, header, aligned, default, bodyProblem);
        return new(FrameStatus.Whole, offset, header, aligned, bytes, null);
    }
}
