using System.Runtime.Versioning;

// Tests count this process's descriptors on their backing directory and one test changes the
// process umask, so tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

[assembly: SupportedOSPlatform("linux")]
