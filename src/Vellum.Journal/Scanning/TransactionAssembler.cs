using System.Diagnostics.CodeAnalysis;
using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>One open transaction: where it began, and its payload parsed as far as it has arrived.</summary>
internal sealed class TransactionAssembler(ulong transactionId, ushort streamId, long beginOffset, bool reversible)
{
    private readonly SubRecordParser _parser = new(reversible);

    public ulong TransactionId => transactionId;

    public long BeginOffset => beginOffset;

    public ushort StreamId => streamId;

    public JournalError? Error => _parser.Error;

    public bool Feed(in RecordFrame record) => _parser.Feed(record.Payload, record.PayloadOffset, record.Offset);

    public bool TryCommit(long endOffset, [NotNullWhen(true)] out TransactionEntry? entry)
    {
        entry = _parser.Complete(endOffset)
            ? new TransactionEntry(endOffset, transactionId, streamId, beginOffset, _parser.Operations)
            : null;
        return entry is not null;
    }
}
