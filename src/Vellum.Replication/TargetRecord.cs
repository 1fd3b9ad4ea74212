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
    public static readonly int MaxRecordSize = Math.Max(Acknowledgement.MaxRecordSize, RecordCodec.AlignedSizeFor(MaxNoteSize));

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
    /// note's text. Returns null when the target closed the connection between records.
    /// </summary>
    /// <exception cref="ReplicationRefusedException">The record is damaged, too large, cut short, or of another kind.</exception>
    internal static async ValueTask<TargetMessage?> ReadAsync(Stream stream, byte[] buffer, CancellationToken cancellation)
    {
        var read = await stream.ReadAtLeastAsync(buffer.AsMemory(0, JournalFormat.HeaderSize), JournalFormat.HeaderSize, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        if (read == 0)
            return null;
        if (read < JournalFormat.HeaderSize)
            throw new ReplicationRefusedException("the target's connection ended inside a record header");
        var size = DeclaredSize(buffer.AsSpan(0, JournalFormat.HeaderSize));
        await stream.ReadExactlyAsync(buffer.AsMemory(JournalFormat.HeaderSize, size - JournalFormat.HeaderSize), cancellation).ConfigureAwait(false);
        return Parse(buffer.AsSpan(0, size));
    }

    /// <summary>The bytes the record whose header this is occupies, checked against the most a target sends.</summary>
    private static int DeclaredSize(ReadOnlySpan<byte> header)
    {
        var frame = RecordFrame.Read(header, checkBody: false);
        if (frame.Problem is { } bad)
            throw new ReplicationRefusedException($"the target sent a bad record: expected {bad.Expected}, found {bad.Found}");
        if (frame.Length > MaxRecordSize)
            throw new ReplicationRefusedException($"the target sent a record of {frame.Header.RecordSize} bytes; its records are at most {MaxRecordSize}");
        return frame.Length;
    }

    private static TargetMessage Parse(ReadOnlySpan<byte> record)
    {
        var field = RecordFrame.Read(record, checkBody: false).Header.StreamField;
        if (field == (StreamId.Ack | StreamId.Begin | StreamId.End))
        {
            if (!Acknowledgement.TryParse(record, out var ack, out var problem))
                throw new ReplicationRefusedException($"the target sent a bad acknowledgement: {problem}");
            return new TargetMessage(ack, null);
        }
        if (field != (StreamId.Annotation | StreamId.Begin | StreamId.End))
            throw new ReplicationRefusedException($"the target sent a record of stream field 0x{field:X4}; it sends acknowledgements (0xC004) and closing notes (0xC003) only");
        var frame = RecordFrame.Read(record);
        if (frame.Problem is { } damaged)
            throw new ReplicationRefusedException($"the target sent a damaged closing note: expected {damaged.Expected}, found {damaged.Found}");
        return new TargetMessage(default, Encoding.UTF8.GetString(frame.Payload));
    }
}

/// <summary>One record from the target: an acknowledgement, or (when <see cref="Note"/> is set) its closing note.</summary>
internal readonly record struct TargetMessage(Acknowledgement Ack, string? Note);
