using System.Diagnostics;
using Vellum.Bench.Fuse;
using Vellum.Native;

namespace Vellum.Bench.Baseline;

/// <summary>
/// What the baseline is measured against, each a program run on the same tree and disk: a
/// copy by <c>cp -a</c> and by <c>rsync -a</c> (each timed to the end of a sync of the disk,
/// as the baseline is), and a <c>find -printf</c> of every name's size, times and inode, the
/// least a program can do to see whether a tree changed.
/// </summary>
internal sealed class Anchors(SuiteCleanup cleanup)
{
    /// <summary>Seconds of <c>cp -a TREE COPY</c> and the sync after it.</summary>
    public double Cp(string tree, string copy) => CopyAndSync("cp", ["-a", tree, copy], copy);

    /// <summary>Seconds of <c>rsync -a TREE/ COPY/</c> and the sync after it.</summary>
    public double Rsync(string tree, string copy) => CopyAndSync("rsync", ["-a", tree + "/", copy + "/"], copy);

    /// <summary>Seconds of <c>find TREE -printf '%p %s %T@ %C@ %i\n' &gt; /dev/null</c>.</summary>
    public double Find(string tree) =>
        Run("/bin/sh", ["-c", "exec find \"$1\" -printf '%p %s %T@ %C@ %i\\n' > /dev/null", "sh", tree]);

    private double CopyAndSync(string program, IReadOnlyList<string> arguments, string copy)
    {
        var clock = Stopwatch.StartNew();
        Run(program, arguments);
        LibC.SyncFileSystem(copy);
        return clock.Elapsed.TotalSeconds;
    }

    /// <exception cref="InvalidOperationException">The program exited with a code other than 0.</exception>
    private double Run(string program, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        cleanup.WorkloadStarted(process);
        try
        {
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var seconds = clock.Elapsed.TotalSeconds;
            return process.ExitCode == 0
                ? seconds
                : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {errors.Trim()}");
        }
        finally
        {
            cleanup.WorkloadEnded();
        }
    }

    /// <summary>Removes a copy (not timed) and writes the removal back, so the next timed part starts on a quiet disk.</summary>
    public static void Remove(string copy)
    {
        if (Directory.Exists(copy))
            Directory.Delete(copy, recursive: true);
        LibC.Sync();
    }
}
