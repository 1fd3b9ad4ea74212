namespace Vellum.Replication;

/// <summary>The peer broke the protocol or failed to prove itself; the connection is dropped.</summary>
public sealed class ReplicationRefusedException(string message, Exception? inner = null) : Exception(message, inner);
