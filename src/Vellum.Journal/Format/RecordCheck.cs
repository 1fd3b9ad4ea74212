namespace Vellum.Journal.Format;

/// <summary>What a record field should have held and what it held, for an error message.</summary>
public readonly record struct RecordProblem(string Expected, string Found);

/// <summary>
/// The rules of section 1 for one record, in two steps so a reader can check a header
/// before it has the rest: header (magic, size range), then body (padding, trailer, CRC).
/// </summary>
public static class RecordCheck
{
    public static RecordProblem? Header(RecordHeader header)
    {
        if (header.Magic != JournalFormat.BeginMagic)
            return new($"begin magic 0x{JournalFormat.BeginMagic:X4}", $"0x{header.Magic:X4}");
        if (header.RecordSize is < JournalFormat.MinRecordSize or > JournalFormat.MaxRecordSize)
            return new($"a record size from {JournalFormat.MinRecordSize} to {JournalFormat.MaxRecordSize}", $"{header.RecordSize}");
        return null;
    }

    /// <param name="record">The whole aligned record, its header already checked.</param>
    /// <param name="offset">Where the record starts, for placing a bad padding byte.</param>
    public static RecordProblem? Body(ReadOnlySpan<byte> record, RecordHeader header, long offset)
    {
        var payloadEnd = (int)header.RecordSize - JournalFormat.TrailerSize;
        var trailerAt = record.Length - JournalFormat.TrailerSize;
        var nonZero = record[payloadEnd..trailerAt].IndexOfAnyExcept((byte)0);
        if (nonZero >= 0)
            return new("zero padding between payload and trailer", $"0x{record[payloadEnd + nonZero]:X2} at byte {offset + payloadEnd + nonZero}");
        var trailer = RecordTrailer.Parse(record[trailerAt..]);
        if (trailer.Magic != JournalFormat.EndMagic)
            return new($"end magic 0x{JournalFormat.EndMagic:X4}", $"0x{trailer.Magic:X4}");
        if (trailer.Reserved != 0)
            return new("reserved trailer field 0", $"0x{trailer.Reserved:X4}");
        if (trailer.RecordSize != header.RecordSize)
            return new($"trailer record size {header.RecordSize} (as in the header)", $"{trailer.RecordSize}");
        var crc = Crc32C.Compute(record[..payloadEnd]);
        if (crc != trailer.Crc)
            return new($"CRC32C 0x{crc:X8} over header and payload", $"0x{trailer.Crc:X8} in the trailer");
        return null;
    }
}
