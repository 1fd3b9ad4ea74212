namespace Vellum.Journal.Format;

/// <summary>
/// Fixed numbers of the journal format (docs/journal-format.md). Every value here is
/// persisted; <c>FormatConstantsTests</c> pins them so a reorder cannot change the format.
/// </summary>
public static class JournalFormat
{
    /// <summary>
    /// Bumped when a reader of the previous version would misread a new journal, or meet in
    /// it something it would take for damage. 2: PATH and PATH2 may exceed 4096 bytes (a path
    /// deeper than PATH_MAX), which a version-1 reader refuses as a malformed leaf. 3: the
    /// baseline operation, which a version-2 reader would take for an unknown type.
    /// </summary>
    public const ushort Version = 3;

    /// <summary>
    /// The oldest reader version that can still read what this version writes. 3: an older
    /// reader must refuse the journal at its sync point, not stop at the first baseline
    /// operation (or, version 1, long path) as if the journal were damaged.
    /// </summary>
    public const ushort MinCompatibleVersion = 3;

    /// <summary>The first version whose journals can hold baseline operations.</summary>
    public const ushort FirstBaselineVersion = 3;

    /// <summary>The oldest journal version this reader reads: version 2 differs only in having no baseline operation, version 1 also in its 4096-byte PATH limit.</summary>
    public const ushort OldestReadableVersion = 1;

    /// <summary>Bytes "VJ" at the start of every stream record.</summary>
    public const ushort BeginMagic = 0x4A56;

    /// <summary>Bytes "Jv" at the start of every stream record trailer.</summary>
    public const ushort EndMagic = 0x764A;

    public const int HeaderSize = 16;
    public const int TrailerSize = 12;
    public const int RecordAlignment = 16;

    /// <summary>A record with an empty payload: header and trailer only.</summary>
    public const int MinRecordSize = HeaderSize + TrailerSize;

    /// <summary>Largest record size (header, payload and trailer) a writer may produce or a reader accept.</summary>
    public const int MaxRecordSize = 16 * 1024 * 1024;

    public const int MaxPayloadSize = MaxRecordSize - HeaderSize - TrailerSize;

    public const int SubRecordHeaderSize = 8;
    public const int SubRecordAlignment = 8;

    /// <summary>Size field of a nested sub-record whose size was not known when its header left the writer.</summary>
    public const uint UnknownSubRecordSize = 0;

    /// <summary>Bytes a record occupies in a stream: its size rounded up to the record alignment.</summary>
    public static int AlignedRecordSize(int recordSize) => (recordSize + RecordAlignment - 1) & -RecordAlignment;

    public static long AlignSubRecord(long size) => (size + SubRecordAlignment - 1) & -SubRecordAlignment;
}
