namespace Vellum.Replication;

/// <summary>The peer broke the protocol or failed to prove itself; the connection is dropped.</summary>
public sealed class ReplicationRefusedException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// What the refusal means for a source's target: <see cref="TargetCondition.AuthenticationFailed"/>
    /// or <see cref="TargetCondition.Refused"/> when the target refused in its verdict or failed
    /// to prove itself; null for a fault of the protocol (the connection ending inside a message, say).
    /// </summary>
    public TargetCondition? Condition { get; init; }
}
