namespace Vellum.Mirror;

/// <summary>The mirror stopped: a transaction it refused or could not apply, or a replica that is not this journal's.</summary>
public class MirrorException : IOException
{
    public MirrorException(string message, ulong transactionId = 0)
        : base(message)
    {
        TransactionId = transactionId;
    }

    public MirrorException()
    {
    }

    public MirrorException(string message)
        : base(message)
    {
    }

    public MirrorException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The transaction concerned; 0 when the problem is not one transaction's.</summary>
    public ulong TransactionId { get; }
}
