namespace Vellum.Store;

/// <summary>
/// A copy of the store (<see cref="IRemoteCopies"/>) that did not acknowledge
/// <paramref name="StorePosition"/> as durable within <paramref name="Waited"/>.
/// </summary>
/// <param name="Copy">Which copy, as its owner names it (a replication target's address).</param>
/// <param name="Reason">Why, as far as known: its last problem, or that it is connected but behind.</param>
public sealed record UnacknowledgedCopy(string Copy, long StorePosition, TimeSpan Waited, string Reason);
