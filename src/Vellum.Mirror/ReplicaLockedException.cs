namespace Vellum.Mirror;

/// <summary>Another writer (a mirror, a serve node's mirror, a verify or rebuild) holds the replica's lock.</summary>
public sealed class ReplicaLockedException : MirrorException
{
    public ReplicaLockedException(string replicaDirectory, ReplicaLockHolder? holder)
        : base($"the replica {replicaDirectory} is in use: {(holder is null ? "another process" : holder.ToString())} applies to it, and a replica takes one writer at a time; wait for that one to end (or stop it), then run again")
    {
        ReplicaDirectory = replicaDirectory;
        Holder = holder;
    }

    public ReplicaLockedException()
    {
        ReplicaDirectory = "";
    }

    public ReplicaLockedException(string message)
        : base(message)
    {
        ReplicaDirectory = "";
    }

    public ReplicaLockedException(string message, Exception inner)
        : base(message, inner)
    {
        ReplicaDirectory = "";
    }

    public string ReplicaDirectory { get; }

    /// <summary>The process holding the lock, when /proc told; null when it could not be found (it may have ended meanwhile).</summary>
    public ReplicaLockHolder? Holder { get; }
}
