namespace Vellum.Recording.Baseline;

/// <summary>The journal's filesystem has no room for the baseline of the backing directory; nothing was recorded.</summary>
public sealed class JournalSpaceException(string message) : IOException(message);
