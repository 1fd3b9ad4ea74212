using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Vellum.Fuse;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Replication.Tests;

/// <summary>
/// A replicating `vellum mount BACKING MNT --journal J ...` daemon as a child process. It can
/// be killed (SIGKILL) and started again on the same journal and backing directory, as a
/// crash and a restart. Dispose leaves no FUSE mount behind, whatever happened before.
/// </summary>
internal sealed partial class MountDaemon(string backing, string mountPoint, string journal, IReadOnlyList<string> options) : IDisposable
{
    private readonly List<string> _earlier = [];
    private VellumProcess? _process;

    public string Backing { get; } = backing;

    public string MountPoint { get; } = mountPoint;

    public string Journal { get; } = journal;

    /// <summary>The journal's id, as the daemon reported it at its first start.</summary>
    public Guid JournalId { get; private set; }

    /// <summary>How many starts reported a journal that needed no repair.</summary>
    public int CleanStarts { get; private set; }

    public int Starts { get; private set; }

    public bool Running => _process is { HasExited: false };

    /// <summary>The umask it starts with (<see cref="VellumProcess.Start"/>); null: this process's.</summary>
    public uint? Umask { get; init; }

    /// <summary>Every stderr line of every start, for failure messages.</summary>
    public string Log => string.Join('\n', _earlier.Concat(_process?.Lines ?? []));

    /// <summary>Every stderr line of every start so far.</summary>
    public IEnumerable<string> Lines => _earlier.Concat(_process?.Lines ?? []);

    /// <summary>Starts the daemon and returns once it reports the mount, which is after its journal recovery.</summary>
    public void Start()
    {
        if (Running)
            throw new InvalidOperationException("the mount daemon is running already");
        Retire();
        _process = VellumProcess.Start(["mount", Backing, MountPoint, "--journal", Journal, .. options], Umask);
        var mounted = _process.WaitForLine(line => line.Contains(" mounted at ", StringComparison.Ordinal), ReplicationRig.Patience);
        if (mounted is null)
            throw new InvalidOperationException($"vellum mount did not come up:\n{Log}");
        var journalLine = _process.Lines.LastOrDefault(line => line.StartsWith("vellum: journal ", StringComparison.Ordinal)) ?? "";
        var id = JournalLine().Match(journalLine);
        Assert.True(id.Success, $"no journal id in: {journalLine}");
        var journalId = Guid.Parse(id.Groups["id"].Value);
        Assert.True(Starts == 0 || journalId == JournalId, $"the journal changed its id: {JournalId}, now {journalId}");
        JournalId = journalId;
        Starts++;
        if (journalLine.EndsWith("journal clean", StringComparison.Ordinal))
            CleanStarts++;
    }

    /// <summary>
    /// Waits until the daemons, all starts counted, reported <paramref name="count"/> replication
    /// sessions accepted by the target; false after <paramref name="timeout"/> or when the
    /// daemon exits first.
    /// </summary>
    public bool WaitForSessions(int count, TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("no mount daemon running");
        var seen = _earlier.Count(IsSession);
        return seen >= count || process.WaitForLine(line => IsSession(line) && ++seen >= count, timeout) is not null;
    }

    /// <summary>Waits until the running daemon prints a line that matches; false after <paramref name="timeout"/> or when it exits first.</summary>
    public bool WaitForLine(Func<string, bool> match, TimeSpan timeout) =>
        (_process ?? throw new InvalidOperationException("no mount daemon running")).WaitForLine(match, timeout) is not null;

    /// <summary>Replication sessions the target accepted, as the daemons reported them so far.</summary>
    public int Sessions => Lines.Count(IsSession);

    private static bool IsSession(string line) => line.StartsWith("vellum: replicating journal ", StringComparison.Ordinal);

    /// <summary>SIGKILL: the daemon gets no chance to drain, sync, send or unmount; its FUSE mount stays, dead.</summary>
    public void Kill()
    {
        var process = _process ?? throw new InvalidOperationException("no mount daemon running");
        process.Kill(ReplicationRig.Patience);
        Retire();
    }

    /// <summary>`vellum umount`, then waits for the daemon to finish (drain, sync, close) and checks it exited with 0.</summary>
    public void Unmount()
    {
        var process = _process ?? throw new InvalidOperationException("no mount daemon running");
        var (code, output) = Run("umount", MountPoint);
        WaitForExit(process, $"vellum umount ({code}: {output.Trim()})");
    }

    /// <summary>umount(2) from this process at once, then as <see cref="Unmount"/>.</summary>
    public void UnmountAtOnce()
    {
        var process = _process ?? throw new InvalidOperationException("no mount daemon running");
        var result = LibC.Umount2(MountPoint, 0);
        WaitForExit(process, $"umount(2) ({(result == 0 ? "0" : $"errno {LibC.LastError()}")})");
    }

    private void WaitForExit(VellumProcess process, string how)
    {
        var exited = process.WaitForExit(ReplicationRig.Patience);
        Retire();
        if (exited != 0)
            throw new InvalidOperationException($"the mount daemon exited with {exited?.ToString(CultureInfo.InvariantCulture) ?? "nothing (still running)"} after {how}:\n{Log}");
    }

    /// <summary>Runs `vellum ARGS` to the end: exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo(VellumProcess.DotnetHost, ["exec", VellumProcess.Program, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(ReplicationRig.Patience))
        {
            child.Kill();
            throw new InvalidOperationException($"vellum {string.Join(' ', args)} did not finish");
        }
        return (child.ExitCode, output.GetAwaiter().GetResult() + error.GetAwaiter().GetResult());
    }

    private void Retire()
    {
        if (_process is not { } process)
            return;
        _process = null;
        _earlier.AddRange(process.Lines);
        _earlier.Add("--- (mount process ended)");
        process.Dispose();
    }

    public void Dispose()
    {
        try
        {
            Retire();
        }
        finally
        {
            StatusSocketFile.RemoveLeftBy(MountPoint);
            // A killed daemon leaves its mount in place, dead; so may a failed start.
            if (MountInfo.FileSystemTypeAt(MountPoint) is not null)
            {
                using var umount = Process.Start("umount", ["-l", MountPoint]);
                umount.WaitForExit();
            }
        }
    }

    [GeneratedRegex(@"\(id (?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}),")]
    private static partial Regex JournalLine();
}
