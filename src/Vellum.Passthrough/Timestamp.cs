namespace Vellum.Passthrough;

/// <summary>A file time with nanosecond precision, as statx reports it.</summary>
public readonly record struct Timestamp(long Seconds, uint Nanoseconds);
