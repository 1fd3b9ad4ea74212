namespace Vellum.Cli.Commands;

/// <summary>The parsed command line of `vellum log`.</summary>
internal sealed record LogOptions(string Path, bool Json, ulong From, ulong To, bool Follow);
