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

    /// <summary><paramref name="failure"/> with what to do about it after its message.</summary>
    internal MirrorApplyException(MirrorApplyException failure, string wayOut)
        : base($"{failure.Message}; {wayOut}", failure.TransactionId)
    {
        Errno = failure.Errno;
        Path = failure.Path;
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

    /// <summary>
    /// Whether the replica no longer holds what the journal expects (a node missing, another
    /// in its place), rather than its filesystem refusing the change (space, permissions, I/O):
    /// the way out is then to mirror again into an empty directory, not to run again.
    /// </summary>
    public bool ReplicaDiffers => Errno is Errno.Success or Errno.ENOENT or Errno.EEXIST or Errno.ENOTDIR or Errno.EISDIR or Errno.ENOTEMPTY;
}
