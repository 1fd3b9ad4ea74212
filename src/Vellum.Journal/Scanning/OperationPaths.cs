using System.Text;
using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>
/// The paths an operation names, read from the first record of its transaction alone: for
/// reporting damage, where the rest of the transaction cannot be read. Lenient: it walks the
/// first operation's children as far as their sizes are known and the record holds them, and
/// returns what it found (PATH, then PATH2), checking nothing else.
/// </summary>
public static class OperationPaths
{
    public static IReadOnlyList<string> Read(ReadOnlySpan<byte> payload)
    {
        var paths = new List<string>();
        if (payload.Length < JournalFormat.SubRecordHeaderSize || !SubRecordHeader.Parse(payload).IsNested)
            return paths;
        for (var at = JournalFormat.SubRecordHeaderSize; at + JournalFormat.SubRecordHeaderSize <= payload.Length;)
        {
            var child = SubRecordHeader.Parse(payload[at..]);
            if (child.Size < JournalFormat.SubRecordHeaderSize || at + child.Size > payload.Length)
                break;
            if (!child.IsNested && child.Type is SubRecordType.Path or SubRecordType.Path2)
                paths.Add(Encoding.UTF8.GetString(payload.Slice(at + JournalFormat.SubRecordHeaderSize, (int)child.Size - JournalFormat.SubRecordHeaderSize)));
            if (child.IsLast)
                break;
            at += (int)JournalFormat.AlignSubRecord(child.Size);
        }
        return paths;
    }
}
