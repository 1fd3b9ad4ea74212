using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>A system call applying an operation failed: which transaction, operation, path and errno.</summary>
public sealed class MirrorApplyException : MirrorException
{
    public MirrorApplyException(ulong transactionId, string operation, string path, Errno errno)
        : base($"transaction {transactionId}: {operation} '{path}': {errno.Text} (errno {(int)errno})", transactionId)
    {
        Errno = errno;
        Path = path;
    }

    public MirrorApplyException(ulong transactionId, string operation, string path, string problem)
        : base($"transaction {transactionId}: {operation} '{path}': {problem}", transactionId)
    {
        Path = path;
    }

    public MirrorApplyException()
    {
        Path = "";
    }

    public MirrorApplyException(string message)
        : base(message)
    {
        Path = "";
    }

    public MirrorApplyException(string message, Exception inner)
        : base(message, inner)
    {
        Path = "";
    }

    /// <summary>The errno of the failed call; <see cref="Errno.Success"/> when the replica held something the journal rules out.</summary>
    public Errno Errno { get; }

    public string Path { get; }
}
