namespace Vellum.Journal.Format;

/// <summary>
/// The 16-bit stream id field of a record header: the low 13 bits name the stream, the
/// top three are the controls that delimit a transaction.
/// </summary>
public static class StreamId
{
    public const ushort Begin = 0x8000;
    public const ushort End = 0x4000;
    public const ushort Aborted = 0x2000;
    public const ushort ControlMask = Begin | End | Aborted;
    public const ushort IdMask = 0x1FFF;

    /// <summary>Carries the journal header; every stream and segment starts with one.</summary>
    public const ushort SyncPoint = 0x0000;

    /// <summary>Fills space; readers skip it.</summary>
    public const ushort Pad = 0x0001;

    /// <summary>Says that transactions are missing between the records before and after it.</summary>
    public const ushort Discontinuity = 0x0002;

    /// <summary>Free UTF-8 text for people reading the journal.</summary>
    public const ushort Annotation = 0x0003;

    /// <summary>A target's acknowledgement flowing back on a two-way stream.</summary>
    public const ushort Ack = 0x0004;

    /// <summary>A source resuming after a break: what follows may repeat transactions already seen.</summary>
    public const ushort Restart = 0x0005;

    /// <summary>The last record of a sealed segment: the segment's index (see <see cref="SegmentCheckpoint"/>).</summary>
    public const ushort Checkpoint = 0x0006;

    /// <summary>Ids from 0x0007 up to <see cref="FirstTransaction"/> are reserved and invalid in this version.</summary>
    public const ushort FirstReserved = 0x0007;

    public const ushort FirstTransaction = 0x0100;
    public const ushort LastTransaction = IdMask;

    public static bool IsTransaction(ushort id) => id >= FirstTransaction && id <= LastTransaction;
}
