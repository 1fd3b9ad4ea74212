namespace Vellum.Fifo;

/// <summary>
/// Bytes of a record the writer already checksummed while copying them in: their offset in
/// the record, length, and CRC32C register (started from 0) over them.
/// </summary>
internal readonly record struct ChecksummedSpan(int Start, int Length, uint State)
{
    public bool IsEmpty => Length == 0;
}
