namespace Vellum.TimeTravel.Undo;

/// <summary>An undo that cannot be made; nothing in the replica was changed.</summary>
public sealed class UndoRefusedException(string message, ulong? transactionId = null) : Exception(message)
{
    /// <summary>The transaction that lacks UNDO, when that is the reason.</summary>
    public ulong? TransactionId { get; } = transactionId;
}
