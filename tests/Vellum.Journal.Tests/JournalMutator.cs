using System.Buffers.Binary;
using Vellum.Journal.Format;

namespace Vellum.Journal.Tests;

/// <summary>
/// Mutations for fuzzing. Most work on the records of a valid journal and write them back with
/// correct CRCs, so damage reaches the transaction and sub-record rules instead of stopping at
/// the record checksum; the rest damage raw bytes.
/// </summary>
internal static class JournalMutator
{
    private static readonly uint[] BoundarySizes =
    [
        0, 1, 7, 8, 9, 15, 16, 17, 24, 27, 28, 29, 4095, 4096, 4104, 4105, 65536, 65544, 65545,
        16_777_188, 16_777_216, 16_777_217, 0x7FFFFFC7, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF7, 0xFFFFFFF8, 0xFFFFFFFF,
    ];

    public static byte[] Mutate(Random rng, IReadOnlyList<byte[]> corpus)
    {
        var journal = corpus[rng.Next(corpus.Count)];
        return rng.Next(10) switch
        {
            < 6 => Join(MutateRecords(rng, Split(journal), corpus)),
            6 => MutateBytes(rng, journal),
            7 => Splice(rng, journal, corpus[rng.Next(corpus.Count)]),
            8 => journal[..rng.Next(journal.Length + 1)],
            _ => RandomBytes(rng),
        };
    }

    private static List<Record> MutateRecords(Random rng, List<Record> records, IReadOnlyList<byte[]> corpus)
    {
        var rounds = 1 + rng.Next(3);
        for (var round = 0; round < rounds && records.Count > 0; round++)
        {
            var index = rng.Next(records.Count);
            var record = records[index];
            switch (rng.Next(9))
            {
                case 0:
                    records[index] = record with { Payload = OverwriteU32(rng, record.Payload, BoundarySizes[rng.Next(BoundarySizes.Length)], 4) };
                    break;
                case 1:
                    records[index] = record with { Payload = OverwriteU16(rng, record.Payload) };
                    break;
                case 2:
                    records[index] = record with { Payload = FlipBits(rng, (byte[])record.Payload.Clone()) };
                    break;
                case 3:
                    records[index] = record with { Payload = InsertOrDelete(rng, record.Payload) };
                    break;
                case 4:
                    records[index] = record with { Field = (ushort)(record.Field ^ (1 << rng.Next(16))) };
                    break;
                case 5:
                    records[index] = record with { TransactionId = rng.Next(3) switch { 0 => 0, 1 => record.TransactionId + 1, _ => record.TransactionId - 1 } };
                    break;
                case 6:
                    records.RemoveAt(index);
                    break;
                case 7:
                    records.Insert(rng.Next(records.Count + 1), record);
                    break;
                default:
                    var other = Split(corpus[rng.Next(corpus.Count)]);
                    records.Insert(rng.Next(records.Count + 1), other[rng.Next(other.Count)]);
                    break;
            }
        }
        return records;
    }

    private static byte[] OverwriteU32(Random rng, byte[] payload, uint value, int alignment)
    {
        if (payload.Length < 4)
            return payload;
        var copy = (byte[])payload.Clone();
        // Sub-record size fields sit at 4 past an 8-aligned header; aim there most of the time.
        var at = rng.Next(2) == 0 ? rng.Next((copy.Length - 4) / 8 + 1) * 8 + alignment : rng.Next(copy.Length - 3);
        if (at + 4 > copy.Length)
            at = copy.Length - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    private static byte[] OverwriteU16(Random rng, byte[] payload)
    {
        if (payload.Length < 2)
            return payload;
        var copy = (byte[])payload.Clone();
        var at = Math.Min(rng.Next((copy.Length - 2) / 8 + 1) * 8, copy.Length - 2);
        var type = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(at));
        type = rng.Next(3) switch
        {
            0 => (ushort)(type ^ SubRecordFlags.Last),
            1 => (ushort)(type ^ SubRecordFlags.Nested),
            _ => (ushort)(rng.Next(4) << 14 | (int)Enum.GetValues<SubRecordType>()[rng.Next(46)]),
        };
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at), type);
        return copy;
    }

    private static byte[] FlipBits(Random rng, byte[] bytes)
    {
        if (bytes.Length == 0)
            return bytes;
        var flips = 1 + rng.Next(8);
        for (var i = 0; i < flips; i++)
            bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
        return bytes;
    }

    private static byte[] InsertOrDelete(Random rng, byte[] bytes)
    {
        var at = rng.Next(bytes.Length + 1);
        if (rng.Next(2) == 0)
        {
            var inserted = new byte[1 + rng.Next(rng.Next(4) == 0 ? 64 : 8)];
            if (rng.Next(2) == 0)
                rng.NextBytes(inserted);
            return [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)];
        }
        var deleted = Math.Min(bytes.Length - at, 1 + rng.Next(16));
        return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + deleted)];
    }

    private static byte[] MutateBytes(Random rng, byte[] journal) => rng.Next(3) switch
    {
        0 => FlipBits(rng, (byte[])journal.Clone()),
        1 => InsertOrDelete(rng, journal),
        _ => OverwriteU32(rng, journal, BoundarySizes[rng.Next(BoundarySizes.Length)], 4),
    };

    private static byte[] Splice(Random rng, byte[] first, byte[] second)
    {
        var aligned = rng.Next(2) == 0;
        var cut = rng.Next(first.Length + 1);
        var from = rng.Next(second.Length + 1);
        if (aligned)
        {
            cut &= -16;
            from &= -16;
        }
        return [.. first.AsSpan(0, cut), .. second.AsSpan(from)];
    }

    private static byte[] RandomBytes(Random rng)
    {
        var bytes = new byte[rng.Next(rng.Next(4) == 0 ? 70_000 : 600)];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static List<Record> Split(byte[] journal)
    {
        var records = new List<Record>();
        for (var at = 0; at + JournalFormat.HeaderSize <= journal.Length;)
        {
            var header = RecordHeader.Parse(journal.AsSpan(at));
            var aligned = JournalFormat.AlignedRecordSize((int)header.RecordSize);
            records.Add(new Record(header.StreamField, header.TransactionId, journal.AsSpan(at + JournalFormat.HeaderSize, (int)header.RecordSize - JournalFormat.MinRecordSize).ToArray()));
            at += aligned;
        }
        return records;
    }

    private static byte[] Join(List<Record> records)
    {
        var bytes = new MemoryStream();
        foreach (var record in records)
        {
            var buffer = new byte[RecordCodec.AlignedSizeFor(record.Payload.Length)];
            RecordCodec.Write(buffer, record.Field, record.TransactionId, record.Payload);
            bytes.Write(buffer);
        }
        return bytes.ToArray();
    }

    private sealed record Record(ushort Field, ulong TransactionId, byte[] Payload);
}
