namespace Vellum.Replication;

/// <summary>How a source stands with one replication target, as its status and log say it.</summary>
public enum TargetCondition
{
    /// <summary>The first connection is being made.</summary>
    Connecting,

    /// <summary>A session is up: records go out, acknowledgements come back.</summary>
    Connected,

    /// <summary>The last attempt failed or the session broke (the network, the target stopping, a timeout); retried with a short backoff.</summary>
    Unreachable,

    /// <summary>The target refused the journal's secret, or did not prove it knows it, or is not the server pinned: nothing changes that but a person; retried slowly.</summary>
    AuthenticationFailed,

    /// <summary>The target refused the journal or a record for another reason it gave.</summary>
    Refused,

    /// <summary>The target's disk is full: it keeps what it stored and takes the rest once there is room.</summary>
    DiskFull,

    /// <summary>This side stopped replicating to the target for a fault of its own (its log has it); nothing is retried until the next mount.</summary>
    Stopped,
}
