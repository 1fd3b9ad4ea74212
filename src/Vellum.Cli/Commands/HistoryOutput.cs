using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Vellum.Catalog;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum history`'s lines on stdout: `ID TIME OP PATH [-> PATH2] [size=N] uid=N gid=N pid=N
/// [(ROLE)]`, or JSON Lines; a closed stdout ends the output quietly.
/// </summary>
internal sealed class HistoryOutput : IDisposable
{
    private readonly StdoutLines _stdout = new();
    private readonly bool _json;
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly Utf8JsonWriter _writer;

    public HistoryOutput(bool json)
    {
        _json = json;
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public void Write(HistoryEntry entry)
    {
        _buffer.ResetWrittenCount();
        if (_json)
            WriteJson(entry);
        else
            WriteText(entry);
        _stdout.Write(_buffer.WrittenSpan);
    }

    public static string RoleName(CatalogRole role) => role switch
    {
        CatalogRole.Replaced => "replaced",
        CatalogRole.Exchanged => "exchanged",
        CatalogRole.Removed => "removed",
        _ => "target",
    };

    private void WriteText(HistoryEntry entry)
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{entry.TransactionId} {LogText.FormatTime(entry.Time)} {LogText.OperationName(entry.Operation)} ");
        line.Append(entry.Path is null ? "-" : LogText.EscapeBytes(entry.Path, forText: true));
        if (entry.Path2 is { } path2)
            line.Append(" -> ").Append(LogText.EscapeBytes(path2, forText: true));
        if (entry.SizeAfter is { } size)
            line.Append(CultureInfo.InvariantCulture, $" size={size}");
        line.Append(CultureInfo.InvariantCulture, $" uid={entry.Uid} gid={entry.Gid} pid={entry.Pid}");
        if (entry.Command is { } command)
            line.Append(" comm=").Append(LogText.EscapeBytes(command, forText: true));
        if (entry.Role != CatalogRole.Target)
            line.Append(" (").Append(RoleName(entry.Role)).Append(')');
        _buffer.Write(Encoding.UTF8.GetBytes(line.ToString()));
    }

    private void WriteJson(HistoryEntry entry)
    {
        _writer.Reset();
        _writer.WriteStartObject();
        _writer.WriteNumber("transid", entry.TransactionId);
        _writer.WriteString("time", LogText.FormatTime(entry.Time));
        _writer.WriteString("op", LogText.OperationName(entry.Operation));
        _writer.WriteString("role", RoleName(entry.Role));
        WriteBytesOrNull("path", entry.Path);
        WriteBytesOrNull("path2", entry.Path2);
        if (entry.SizeAfter is { } size)
            _writer.WriteNumber("size", size);
        else
            _writer.WriteNull("size");
        _writer.WriteNumber("uid", entry.Uid);
        _writer.WriteNumber("gid", entry.Gid);
        _writer.WriteNumber("pid", entry.Pid);
        WriteBytesOrNull("comm", entry.Command);
        _writer.WriteEndObject();
        _writer.Flush();
    }

    private void WriteBytesOrNull(string name, byte[]? bytes)
    {
        if (bytes is null)
            _writer.WriteNull(name);
        else
            _writer.WriteString(name, LogText.EscapeBytes(bytes, forText: false));
    }

    public int Finish(int exitCode) => _stdout.Finish(exitCode);

    public void Dispose()
    {
        Finish(0);
        _writer.Dispose();
    }
}
