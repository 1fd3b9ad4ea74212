namespace Vellum.TimeTravel.Undo;

/// <summary>What `vellum undo` did: the replica went from the state after <paramref name="From"/> back to <paramref name="Moment"/>, undoing <paramref name="Transactions"/> transactions.</summary>
public sealed record UndoSummary(ResolvedMoment Moment, ResolvedMoment From, long Transactions, string Replica, TimeSpan Elapsed);
