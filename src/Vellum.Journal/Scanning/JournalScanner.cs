using System.Diagnostics.CodeAnalysis;
using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>
/// Reads a journal byte stream (seekable or not) back into entries: sync points, committed and
/// aborted transactions (reassembled from interleaved records) and control messages, checking
/// every rule of docs/journal-format.md. Reading stops at the first damage, after every entry
/// before it has been returned; the damage is then in <see cref="Error"/>.
/// </summary>
public sealed class JournalScanner : IDisposable
{
    private readonly Stream _input;
    private readonly bool _leaveOpen;
    private readonly RecordReader _reader;
    private readonly TransactionTable _transactions = new();
    private bool _reversible;
    private bool _finished;
    private bool _disposed;

    /// <param name="resume">
    /// Set when <paramref name="input"/> starts inside a journal rather than at its first
    /// sync point: the header in force there and the last transaction begun before it.
    /// </param>
    public JournalScanner(Stream input, bool leaveOpen = false, JournalResume? resume = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        _input = input;
        _leaveOpen = leaveOpen;
        _reader = new RecordReader(input);
        if (resume is not null)
        {
            Header = resume.Header;
            _reversible = resume.Header.IsReversible;
            _transactions.LastBegun = resume.LastBegun;
            _transactions.ContinuedUpTo = resume.LastBegun;
            foreach (var open in resume.Open ?? [])
                _transactions.Continue(open);
        }
    }

    /// <summary>
    /// Records skipped because they continue transactions begun before the input started
    /// (a segment after the first, or a read from the middle of a store).
    /// </summary>
    public long SkippedContinuationRecords => _transactions.SkippedContinuations;

    /// <summary>
    /// Where a zero-filled tail began when the input ended with one (a segment file's
    /// preallocated space): the end of its records. Null otherwise.
    /// </summary>
    public long? ZeroTailOffset => _reader.ZeroTailOffset;

    /// <summary>Set when reading stopped at damage; null while reading and after a clean end.</summary>
    public JournalError? Error { get; private set; }

    /// <summary>
    /// Transactions begun but not ended where the good input stopped: at a clean end between
    /// records, or before a torn tail. They are not to be applied. Empty after corruption.
    /// </summary>
    public IReadOnlyList<ulong> IncompleteTransactions { get; private set; } = [];

    /// <summary>
    /// <see cref="IncompleteTransactions"/> with the stream id each holds, so that a writer
    /// continuing the journal can end them (with ABORTED).
    /// </summary>
    public IReadOnlyList<OpenTransaction> IncompleteTransactionStreams { get; private set; } = [];

    /// <summary>The id of the most recent BEGIN read (or of the resume point).</summary>
    public ulong LastBegun => _transactions.LastBegun;

    /// <summary>The journal header from the first sync point, once read.</summary>
    public JournalHeader? Header { get; private set; }

    /// <summary>Returns true with the next entry; false at the end of input or at damage (then <see cref="Error"/> is set).</summary>
    public bool TryRead([NotNullWhen(true)] out JournalEntry? entry)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        entry = null;
        while (!_finished)
        {
            var status = _reader.Read(out var record, out var damage);
            if (status == RecordStatus.EndOfInput)
            {
                Finish(Header is null ? JournalError.Torn(0, "a sync point as the first record", "the end of input") : null);
                return false;
            }
            if (status == RecordStatus.Damaged)
            {
                Finish(damage);
                return false;
            }
            if (!Interpret(record, out entry, out var error))
            {
                Finish(error);
                return false;
            }
            if (entry is not null)
                return true;
        }
        return false;
    }

    /// <summary>Reads a whole journal held in memory.</summary>
    public static unsafe ScanResult ReadAll(ReadOnlySpan<byte> journal)
    {
        if (journal.IsEmpty)
            return ReadAll(Stream.Null);
        fixed (byte* start = journal)
        {
            using var stream = new UnmanagedMemoryStream(start, journal.Length);
            return ReadAll(stream);
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _reader.Dispose();
        if (!_leaveOpen)
            _input.Dispose();
    }

    private static ScanResult ReadAll(Stream stream)
    {
        using var scanner = new JournalScanner(stream, leaveOpen: true);
        var entries = new List<JournalEntry>();
        while (scanner.TryRead(out var entry))
            entries.Add(entry);
        return new ScanResult(entries, scanner.Error, scanner.IncompleteTransactions, scanner.Header);
    }

    private bool Interpret(in RecordFrame record, out JournalEntry? entry, out JournalError? error)
    {
        entry = null;
        error = null;
        var header = record.Header;
        var id = header.Id;
        if (Header is null && id != StreamId.SyncPoint)
        {
            error = JournalError.Corrupt(record.Offset, "a sync point (stream 0x0000) as the first record", $"stream 0x{id:X4}");
            return false;
        }
        if (id == StreamId.Pad)
        {
            if (header.Controls == 0)
                return true;
            error = JournalError.Corrupt(record.Offset, "no control bits on a pad record", $"0x{header.Controls:X4}");
            return false;
        }
        if (id >= StreamId.FirstReserved && id < StreamId.FirstTransaction)
        {
            error = JournalError.Corrupt(record.Offset, "a stream id below 0x0007 or from 0x0100 on", $"reserved stream id 0x{id:X4}");
            return false;
        }
        if (StreamId.IsTransaction(id))
            return _transactions.Process(record, _reversible, out entry, out error);
        if (!ControlRecords.TryDecode(record, Header is null ? null : _transactions.LastBegun, out entry, out error))
            return false;
        switch (entry)
        {
            case SyncPointEntry syncPoint:
                if (Header is null)
                {
                    Header = syncPoint.Header;
                    _transactions.LastBegun = header.TransactionId;
                    _transactions.ContinuedUpTo = header.TransactionId;
                }
                _reversible = syncPoint.Header.IsReversible;
                break;
            case RestartEntry restart:
                _transactions.Restart(restart.ResumeFrom);
                break;
        }
        return true;
    }

    private void Finish(JournalError? error)
    {
        _finished = true;
        Error = error;
        if (error is null || error.Kind == JournalErrorKind.TornTail)
        {
            IncompleteTransactionStreams = _transactions.OpenTransactions();
            IncompleteTransactions = [.. IncompleteTransactionStreams.Select(open => open.TransactionId)];
        }
    }
}
