using System.Text;
using Vellum.Journal.Format;

namespace Vellum.Replication;

/// <summary>
/// What a target sends a source after the verdict (docs/replication.md): acknowledgements,
/// and, when the target ends the session itself, one closing note saying why: an annotation
/// record (stream 0x0003, BEGIN|END, transaction id 0) whose payload is the reason in UTF-8.
/// </summary>
public static class TargetRecord
{
    /// <summary>The longest closing note, in UTF-8 bytes.</summary>
    public const int MaxNoteSize = WireFormat.MaxMessageSize;

    /// <summary>The largest record a target sends: a buffer of this size holds any of them.</summary>
    public static readonly int MaxRecordSize = Math.Max(Acknowledgement.RecordSize, RecordCodec.AlignedSizeFor(MaxNoteSize));

    /// <summary>The closing note for <paramref name="reason"/>, cut to <see cref="MaxNoteSize"/> bytes at a character boundary.</summary>
    public static byte[] Note(string reason)
    {
        var text = reason;
        while (Encoding.UTF8.GetByteCount(text) > MaxNoteSize)
            text = text[..^1];
        var payload = Encoding.UTF8.GetBytes(text);
        var record = new byte[RecordCodec.AlignedSizeFor(payload.Length)];
        RecordCodec.WriteControl(record, StreamId.Annotation, 0, payload);
        return record;
    }

    /// <summary>
    /// Reads the next record the target sent into <paramref name="buffer"/> (at least
    /// <see cref="MaxRecordSize"/> bytes), checked whole: an acknowledgement, or a closing
    /// note's text. Returns false when the target closed the connection between records.
    /// </summary>
    /// <exception cref="ReplicationRefusedException">The record is damaged, too large, cut short, or of another kind.</exception>
    public static bool TryRead(Stream stream, byte[] buffer, out Acknowledgement ack, out string? note)
    {
        ack = default;
        note = null;
        var read = stream.ReadAtLeast(buffer.AsSpan(0, JournalFormat.HeaderSize), JournalFormat.HeaderSize, throwOnEndOfStream: false);
        if (read == 0)
            return false;
        if (read < JournalFormat.HeaderSize)
            throw new ReplicationRefusedException("the target's connection ended inside a record header");
        var header = RecordHeader.Parse(buffer);
        if (RecordCheck.Header(header) is { } bad)
            throw new ReplicationRefusedException($"the target sent a bad record: expected {bad.Expected}, found {bad.Found}");
        var size = JournalFormat.AlignedRecordSize((int)header.RecordSize);
        if (size > MaxRecordSize)
            throw new ReplicationRefusedException($"the target sent a record of {header.RecordSize} bytes; its records are at most {MaxRecordSize}");
        stream.ReadExactly(buffer.AsSpan(JournalFormat.HeaderSize, size - JournalFormat.HeaderSize));
        var record = buffer.AsSpan(0, size);
        if (header.StreamField == (StreamId.Ack | StreamId.Begin | StreamId.End))
        {
            if (!Acknowledgement.TryParse(record, out ack, out var problem))
                throw new ReplicationRefusedException($"the target sent a bad acknowledgement: {problem}");
            return true;
        }
        if (header.StreamField != (StreamId.Annotation | StreamId.Begin | StreamId.End))
            throw new ReplicationRefusedException($"the target sent a record of stream field 0x{header.StreamField:X4}; it sends acknowledgements (0xC004) and closing notes (0xC003) only");
        if (RecordCheck.Body(record, header, 0) is { } damaged)
            throw new ReplicationRefusedException($"the target sent a damaged closing note: expected {damaged.Expected}, found {damaged.Found}");
        note = Encoding.UTF8.GetString(record[JournalFormat.HeaderSize..((int)header.RecordSize - JournalFormat.TrailerSize)]);
        return true;
    }
}
