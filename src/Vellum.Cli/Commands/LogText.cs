using System.Buffers;
using System.Globalization;
using System.Text;
using Vellum.Journal.Format;

namespace Vellum.Cli.Commands;

/// <summary>How a log line or JSON object spells a time, an operation kind and a path or name given as bytes.</summary>
internal static class LogText
{
    /// <summary>UTC ISO-8601 with nanoseconds: 2023-11-14T22:13:20.000000001Z (seconds.nanoseconds when out of range).</summary>
    internal static string FormatTime(JournalTimestamp time)
    {
        if (time.IsValid && time.Seconds >= -62135596800 && time.Seconds <= 253402300799)
        {
            var seconds = DateTimeOffset.FromUnixTimeSeconds(time.Seconds);
            return string.Create(CultureInfo.InvariantCulture, $"{seconds:yyyy-MM-dd'T'HH:mm:ss}.{time.Nanoseconds:D9}Z");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{time.Seconds}.{time.Nanoseconds:D9}");
    }

    internal static string OperationName(SubRecordType kind) => kind switch
    {
        SubRecordType.Create => "create",
        SubRecordType.Mkdir => "mkdir",
        SubRecordType.Mknod => "mknod",
        SubRecordType.Symlink => "symlink",
        SubRecordType.Link => "link",
        SubRecordType.Unlink => "unlink",
        SubRecordType.Rmdir => "rmdir",
        SubRecordType.Rename => "rename",
        SubRecordType.Write => "write",
        SubRecordType.Truncate => "truncate",
        SubRecordType.SetAttr => "setattr",
        SubRecordType.SetXattr => "setxattr",
        SubRecordType.RemoveXattr => "removexattr",
        SubRecordType.Fallocate => "fallocate",
        SubRecordType.Fsync => "fsync",
        SubRecordType.Checkpoint => "checkpoint",
        SubRecordType.Snapshot => "snapshot",
        SubRecordType.Baseline => "baseline",
        _ => string.Create(CultureInfo.InvariantCulture, $"0x{(ushort)kind:x4}"),
    };

    /// <summary>
    /// Bytes as text: valid UTF-8 as it is, each byte of an invalid sequence as \xNN, a
    /// backslash as \\. For text lines also spaces and control characters as \xNN, so that a
    /// line splits on spaces and never breaks; JSON escapes those itself.
    /// </summary>
    internal static string EscapeBytes(ReadOnlySpan<byte> bytes, bool forText)
    {
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
            if (status != OperationStatus.Done)
            {
                AppendHex(text, bytes[..consumed]);
            }
            else if (rune.Value == '\\')
            {
                text.Append(@"\\");
            }
            else if (forText && (rune.Value == ' ' || Rune.IsControl(rune)))
            {
                AppendHex(text, bytes[..consumed]);
            }
            else
            {
                text.Append(rune.ToString());
            }
            bytes = bytes[consumed..];
        }
        return text.ToString();
    }

    private static void AppendHex(StringBuilder text, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
    }
}
