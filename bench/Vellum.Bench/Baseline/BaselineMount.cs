using System.Diagnostics;
using Vellum.Bench.Fuse;
using Vellum.Host;

namespace Vellum.Bench.Baseline;

/// <summary>The mount is up but reports no baseline: the product predates issue 19, so the suite has only its anchors.</summary>
internal sealed class BaselineUnavailableException(string message) : Exception(message);

/// <summary>
/// <c>vellum mount TREE MNT --journal JOURNAL</c> over a tree that already holds data: the
/// mount records that content (the baseline) in the background and reports its progress in
/// its status (the <c>baseline</c> object of `vellum status --json`), which this target
/// polls. The journal directory is the caller's and outlives the mount, so a second mount on
/// it checks the tree against the first one's manifest.
/// </summary>
internal sealed class BaselineMount(SuiteCleanup cleanup, string repository, string tree, string mountPoint, string journal)
    : VellumTarget(cleanup, repository, tree, mountPoint, "baseline")
{
    /// <summary>
    /// How often the status is asked: within 1 % of a seconds-long baseline, seldom enough not
    /// to take the CPU it measures (each question is a connection the daemon answers).
    /// </summary>
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a status may say "none" (the start-up check not done yet) before the suite believes the journal has no baseline.</summary>
    private static readonly TimeSpan NoneFor = TimeSpan.FromSeconds(30);

    public string Journal => journal;

    /// <summary>A clean unmount writes the manifest from a walk of the whole tree: give it time.</summary>
    protected override TimeSpan ExitTimeout => TimeSpan.FromMinutes(5);

    protected override IReadOnlyList<string> MountOptions() => ["--journal", journal, "--rebind-journal"];

    public static bool IsComplete(BaselineStatusReply baseline) => baseline.State == "complete";

    /// <summary>Polls the status until <paramref name="done"/> holds for its baseline; returns that baseline.</summary>
    /// <exception cref="BaselineUnavailableException">The status has no baseline object, or says "none" for <see cref="NoneFor"/>.</exception>
    /// <exception cref="InvalidOperationException">The baseline stopped (failed).</exception>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>, or the mount went away.</exception>
    public BaselineStatusReply WaitFor(Func<BaselineStatusReply, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan? noneSince = null;
        while (true)
        {
            if (Ask() is { } baseline)
            {
                if (done(baseline))
                    return baseline;
                if (baseline.State == "stopped")
                    throw new InvalidOperationException($"the baseline stopped before it completed: {OutputTail}");
                noneSince = baseline.State == "none" ? noneSince ?? clock.Elapsed : null;
                if (clock.Elapsed - noneSince > NoneFor)
                    throw new BaselineUnavailableException($"the mount's baseline state stayed \"none\" for {NoneFor.TotalSeconds:F0} s");
            }
            if (MountTable.FsTypeAt(WorkPath) != "fuse.vellum")
                throw new TimeoutException($"the mount at {WorkPath} went away while waiting for its baseline: {OutputTail}");
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"the baseline did not get there within {timeout.TotalMinutes:F0} min: {Ask()}");
            Thread.Sleep(PollEvery);
        }
    }

    public BaselineStatusReply WaitUntilComplete(TimeSpan timeout) => WaitFor(IsComplete, timeout);

    /// <summary>The baseline now, or null while the status socket does not answer yet.</summary>
    /// <exception cref="BaselineUnavailableException">The mount answers without a baseline object.</exception>
    public BaselineStatusReply? Ask() => MountStatusClient.Ask(WorkPath) is { } answer
        ? answer.Status.Baseline ?? throw new BaselineUnavailableException("the mount's status (vellum status --json) has no baseline object: a build from before issue 19")
        : null;
}
