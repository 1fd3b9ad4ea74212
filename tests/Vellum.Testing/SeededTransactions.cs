using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Testing;

/// <summary>
/// Transactions whose content follows from their id: a write of bytes seeded by the id, so
/// that any reader can tell an intact transaction from a damaged one, cut into stream records.
/// </summary>
public static class SeededTransactions
{
    /// <summary>The bytes transaction <paramref name="id"/> writes.</summary>
    public static byte[] Data(ulong id, int dataLength)
    {
        var data = new byte[dataLength];
        new Random((int)id).NextBytes(data);
        return data;
    }

    /// <summary>
    /// The payload of a write of <see cref="Data"/> to <paramref name="path"/>, after a create
    /// of it in the same transaction when <paramref name="create"/> (so a mirror can apply it).
    /// </summary>
    public static byte[] Payload(ulong id, int dataLength, string path, bool create = false)
    {
        var operation = new JournalOperation
        {
            Kind = SubRecordType.Write,
            Time = new JournalTimestamp(1_700_000_000 + (long)id, 0),
            Credentials = new Credentials { Uid = 1000, Gid = 1000, Pid = 42, Command = "test"u8.ToArray() },
            Path = Encoding.UTF8.GetBytes(path),
            Redo = new OperationState { Offset = 0, Length = (ulong)dataLength, Data = Data(id, dataLength) },
        };
        var buffer = new SubRecordBuffer();
        if (create)
        {
            OperationEncoder.Encode(buffer, new JournalOperation
            {
                Kind = SubRecordType.Create,
                Time = operation.Time,
                Credentials = operation.Credentials,
                Path = operation.Path,
                Redo = new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4 } },
            });
        }
        OperationEncoder.Encode(buffer, operation);
        return buffer.ToArray();
    }

    /// <summary><paramref name="payload"/> as transaction <paramref name="id"/> in <paramref name="pieces"/> records (BEGIN first, END last) on <paramref name="stream"/>.</summary>
    public static List<byte[]> Records(ulong id, byte[] payload, int pieces, ushort stream)
    {
        var records = new List<byte[]>();
        var cut = (payload.Length + pieces - 1) / pieces;
        for (var i = 0; i < pieces; i++)
        {
            var part = payload.AsSpan(Math.Min(i * cut, payload.Length), Math.Max(0, Math.Min(cut, payload.Length - i * cut)));
            var field = stream | (i == 0 ? StreamId.Begin : 0) | (i == pieces - 1 ? StreamId.End : 0);
            var record = new byte[RecordCodec.AlignedSizeFor(part.Length)];
            RecordCodec.Write(record, (ushort)field, id, part);
            records.Add(record);
        }
        return records;
    }
}
