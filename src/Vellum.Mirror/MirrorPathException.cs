namespace Vellum.Mirror;

/// <summary>
/// A transaction names a path that would leave the replica or pass through a symlink
/// (docs/mirror.md, path safety). The transaction was refused before any of it was applied,
/// unless the offending symlink was created by an earlier operation of the same transaction.
/// </summary>
public sealed class MirrorPathException : MirrorException
{
    public MirrorPathException(ulong transactionId, string path, string reason)
        : base($"transaction {transactionId}: path '{path}' {reason}", transactionId)
    {
        Path = path;
    }

    public MirrorPathException()
    {
        Path = "";
    }

    public MirrorPathException(string message)
        : base(message)
    {
        Path = "";
    }

    public MirrorPathException(string message, Exception inner)
        : base(message, inner)
    {
        Path = "";
    }

    /// <summary>The refused path, non-printable bytes escaped as \xNN.</summary>
    public string Path { get; }
}
