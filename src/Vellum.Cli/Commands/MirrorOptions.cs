namespace Vellum.Cli.Commands;

/// <summary>The parsed `vellum mirror` command line.</summary>
internal sealed record MirrorOptions(string Store, string Replica, bool Follow);
