namespace Vellum.Testing;

/// <summary>
/// How big an <see cref="ExistingTree"/> is: <paramref name="Files"/> regular files spread over
/// a directory tree <paramref name="Levels"/> deep with <paramref name="Fanout"/> subdirectories
/// each, one large file of <paramref name="LargeFileBytes"/>, all from <paramref name="Seed"/>.
/// </summary>
public sealed record ExistingTreeShape(int Files, int Levels, int Fanout, long LargeFileBytes, int Seed)
{
    /// <summary>Thousands of files over 84 directories and a large file of 24 MiB: about 45 MiB of data.</summary>
    public static ExistingTreeShape Thousands(int seed) => new(Files: 3000, Levels: 3, Fanout: 4, LargeFileBytes: 24L << 20, Seed: seed);

    /// <summary>A few hundred files, every kind of node still there, for tests about something else than size.</summary>
    public static ExistingTreeShape Small(int seed) => new(Files: 300, Levels: 2, Fanout: 3, LargeFileBytes: 1L << 20, Seed: seed);
}
