namespace Vellum.TimeTravel;

/// <summary>What a restore made: the moment, where, how many files (regular files, each name of a hard link once) and bytes (their sizes), and how long it took.</summary>
public sealed record RestoreSummary(ResolvedMoment Moment, string Directory, string? SubPath, long Transactions, long Files, long Bytes, TimeSpan Elapsed);
