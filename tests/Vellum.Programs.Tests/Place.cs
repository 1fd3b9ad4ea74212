namespace Vellum.Programs.Tests;

/// <summary>Where a scenario runs: the same programs must give the same results in each.</summary>
public enum Place
{
    /// <summary>A plain directory on the machine's own filesystem: the reference.</summary>
    Plain,

    /// <summary>`vellum mount BACKING MNT --no-journal` (kernel passthrough on).</summary>
    Unjournaled,

    /// <summary>`vellum mount BACKING MNT --journal DIR`, whose journal is then replayed and compared with BACKING.</summary>
    Journaled,
}

/// <summary>The theory data every scenario runs with.</summary>
public static class Places
{
    public static TheoryData<Place> All => [Place.Plain, Place.Unjournaled, Place.Journaled];
}
