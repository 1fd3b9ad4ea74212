using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

namespace Vellum.Cli.Commands;

/// <summary>Lines on stdout, buffered; a closed stdout (a pipe whose reader left) ends the output quietly.</summary>
internal sealed class LogOutput : IDisposable
{
    private readonly StdoutLines _stdout = new();
    private readonly bool _json;
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly Utf8JsonWriter _writer;
    private readonly StringBuilder _line = new();

    public LogOutput(bool json)
    {
        _json = json;
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public bool Closed => _stdout.Closed;

    public void Write(TransactionEntry transaction)
    {
        foreach (var operation in transaction.Operations)
        {
            if (_json)
                WriteJson(transaction.TransactionId, operation);
            else
                WriteText(transaction.TransactionId, operation);
        }
    }

    public void WriteAborted(ulong transactionId)
    {
        if (_json)
        {
            WriteJson(transactionId, null);
            return;
        }
        _line.Clear();
        _line.Append(CultureInfo.InvariantCulture, $"{transactionId} - aborted");
        Emit();
    }

    /// <summary>Flushes what is buffered and returns <paramref name="exitCode"/>.</summary>
    public int Finish(int exitCode) => _stdout.Finish(exitCode);

    public void Dispose()
    {
        Finish(0);
        _writer.Dispose();
    }

    /// <summary>`ID TIME OP PATH [-> PATH2] [offset=N] [length=N] [size=N] uid=N gid=N pid=N [comm=NAME]`.</summary>
    private void WriteText(ulong transactionId, JournalOperation operation)
    {
        var redo = operation.Redo;
        _line.Clear();
        _line.Append(CultureInfo.InvariantCulture, $"{transactionId} {LogText.FormatTime(operation.Time)} {LogText.OperationName(operation.Kind)} ");
        _line.Append(operation.Path is null ? "-" : LogText.EscapeBytes(operation.Path, forText: true));
        if (operation.Path2 is { } path2)
            _line.Append(" -> ").Append(LogText.EscapeBytes(path2, forText: true));
        if (operation.Kind == SubRecordType.Baseline && redo?.Flags is { } established)
            _line.Append(" [").Append(((BaselineFlags)established).ToString().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal)).Append(']');
        if (redo?.Offset is { } offset)
            _line.Append(CultureInfo.InvariantCulture, $" offset={offset}");
        if (LengthOf(redo) is { } length)
            _line.Append(CultureInfo.InvariantCulture, $" length={length}");
        if (redo?.Attributes?.Size is { } size)
            _line.Append(CultureInfo.InvariantCulture, $" size={size}");
        var credentials = operation.Credentials;
        _line.Append(CultureInfo.InvariantCulture, $" uid={credentials.Uid} gid={credentials.Gid} pid={credentials.Pid}");
        if (credentials.Command is { } command)
            _line.Append(" comm=").Append(LogText.EscapeBytes(command, forText: true));
        Emit();
    }

    /// <summary>One JSON object; a null <paramref name="operation"/> is an aborted transaction.</summary>
    private void WriteJson(ulong transactionId, JournalOperation? operation)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
        _writer.WriteStartObject();
        _writer.WriteNumber("transid", transactionId);
        if (operation is null)
        {
            _writer.WriteNull("time");
            _writer.WriteString("op", "aborted");
            foreach (var name in (ReadOnlySpan<string>)["path", "path2", "offset", "length", "uid", "gid", "pid", "comm"])
                _writer.WriteNull(name);
        }
        else
        {
            var redo = operation.Redo;
            var credentials = operation.Credentials;
            _writer.WriteString("time", LogText.FormatTime(operation.Time));
            _writer.WriteString("op", LogText.OperationName(operation.Kind));
            WriteBytesOrNull("path", operation.Path);
            WriteBytesOrNull("path2", operation.Path2);
            WriteNumberOrNull("offset", redo?.Offset);
            WriteNumberOrNull("length", LengthOf(redo));
            _writer.WriteNumber("uid", credentials.Uid);
            _writer.WriteNumber("gid", credentials.Gid);
            _writer.WriteNumber("pid", credentials.Pid);
            WriteBytesOrNull("comm", credentials.Command);
        }
        _writer.WriteEndObject();
        _writer.Flush();
        _stdout.Write(_buffer.WrittenSpan);
    }

    private void WriteBytesOrNull(string name, byte[]? bytes)
    {
        if (bytes is null)
            _writer.WriteNull(name);
        else
            _writer.WriteString(name, LogText.EscapeBytes(bytes, forText: false));
    }

    private void WriteNumberOrNull(string name, ulong? value)
    {
        if (value is { } number)
            _writer.WriteNumber(name, number);
        else
            _writer.WriteNull(name);
    }

    private void Emit() => _stdout.Write(_line.ToString());

    /// <summary>The REDO state's LENGTH, or else the length of its DATA.</summary>
    private static ulong? LengthOf(OperationState? redo) =>
        redo?.Length ?? (redo?.Data is { } data ? (ulong)data.Length : null);
}
