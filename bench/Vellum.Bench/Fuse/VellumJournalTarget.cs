namespace Vellum.Bench.Fuse;

/// <summary>
/// The journaled Vellum mount: <c>--journal JOURNALDIR --sync local</c>, each mount with a
/// fresh, empty journal directory (journal-1, journal-2, ... under <paramref name="root"/>,
/// outside the backing directory and the mount point), deleted again after the unmount so
/// three rounds of gigabyte writes do not pile up on the disk.
/// </summary>
internal sealed class VellumJournalTarget(SuiteCleanup cleanup, string repository, string backing, string mountPoint, string root, string name = "journal", params string[] options)
    : VellumTarget(cleanup, repository, backing, mountPoint, name)
{
    private readonly Lock _lock = new();
    private int _mounts = 1;

    /// <summary>The journal directory of the next mount (or of the current one while mounted): shown in the description before it is created.</summary>
    private string JournalDirectory => Path.Combine(root, $"{Name}-{_mounts}");

    /// <summary>A journal may still be writing its tail when the unmount returns; give it longer than a passthrough.</summary>
    protected override TimeSpan ExitTimeout => TimeSpan.FromSeconds(60);

    protected override IReadOnlyList<string> MountOptions() => ["--journal", JournalDirectory, "--sync", "local", .. options];

    public override void Mount()
    {
        lock (_lock)
        {
            if (Directory.Exists(JournalDirectory))
                Directory.Delete(JournalDirectory, recursive: true);
            Directory.CreateDirectory(JournalDirectory);
        }
        base.Mount();
    }

    public override void Unmount()
    {
        base.Unmount();
        lock (_lock)
        {
            // Idempotent: after the first call the next directory does not exist yet.
            if (!Directory.Exists(JournalDirectory))
                return;
            Directory.Delete(JournalDirectory, recursive: true);
            _mounts++;
        }
    }
}
