using Vellum.Testing;

namespace Vellum.Programs.Tests;

/// <summary>
/// One place set up for one scenario: a temporary root holding the directory the programs run
/// in (plain, or a mount of ROOT/backing at ROOT/mnt) and, outside it, their HOME and TMPDIR.
/// It keeps what the scenario observed (exit codes, outputs), with the place's own path
/// replaced by $DIR so that every place's outcome reads the same. Dispose unmounts and removes it.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly List<string> _outcome = [];
    private readonly Dictionary<string, string> _environment;
    private int _steps;

    private Workspace(Place place)
    {
        Place = place;
        // The kernel stamps files from its coarse clock, up to a tick behind this one: a file
        // written at once could read as a second before a start taken across a second's turn.
        Started = DateTimeOffset.UtcNow.AddMilliseconds(-50);
        Root = Directory.CreateTempSubdirectory($"vellum-programs-{place.ToString().ToLowerInvariant()}-").FullName;
        var home = Directory.CreateDirectory(Path.Combine(Root, "home")).FullName;
        var temp = Directory.CreateDirectory(Path.Combine(Root, "tmp")).FullName;
        _environment = ProgramRun.Environment(home, temp);
        Dir = Directory.CreateDirectory(Path.Combine(Root, place == Place.Plain ? "plain" : "mnt")).FullName;
        // Every place's directory starts with the same mode, whatever the umask: the trees compare it.
        File.SetUnixFileMode(Dir, RootMode);
        if (place != Place.Plain)
        {
            Backing = Directory.CreateDirectory(Path.Combine(Root, "backing")).FullName;
            File.SetUnixFileMode(Backing, RootMode);
        }
    }

    /// <summary>rwxr-xr-x; the journal does not hold the root's own mode (no transaction creates it).</summary>
    public const UnixFileMode RootMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public Place Place { get; }

    /// <summary>When the scenario began (50 ms early): a file time before it was set by a program, not by the clock.</summary>
    public DateTimeOffset Started { get; }

    public string Root { get; }

    /// <summary>Where the programs run: the plain directory or the mount point.</summary>
    public string Dir { get; }

    public string? Backing { get; }

    public VellumMount? Mount { get; private set; }

    /// <summary>Whether the place's directory held data before the scenario (in a mount: before the mount).</summary>
    public bool Prepopulated { get; private set; }

    /// <summary>Exit codes and outputs, one entry per step, $DIR for the place's path.</summary>
    public IReadOnlyList<string> Outcome => _outcome;

    /// <summary>
    /// Sets up the place; <paramref name="existing"/> (a shell script) first puts data where the
    /// place's directory will be: the plain directory, or the backing directory before the mount.
    /// </summary>
    public static Workspace Create(Place place, string? existing = null)
    {
        var workspace = new Workspace(place);
        try
        {
            if (existing is not null)
                workspace.Prepopulate(existing);
            if (workspace.Backing is { } backing)
                workspace.Mount = VellumMount.Start(backing, workspace.Dir, place == Place.Journaled ? Path.Combine(workspace.Root, "journal") : null);
        }
        catch
        {
            workspace.Dispose();
            throw;
        }
        return workspace;
    }

    /// <summary>
    /// Runs `sh -eu -c SCRIPT` in the place's directory and returns its output; the exit code
    /// must be <paramref name="expectedExit"/>. The exit code and (when <paramref name="record"/>)
    /// the output join the outcome every place must share.
    /// </summary>
    public string Sh(string script, int expectedExit = 0, bool record = true)
    {
        var step = ++_steps;
        var result = ProgramRun.Run("/bin/sh", ["-eu", "-c", script], Dir, _environment);
        var output = Normalize(result.Output);
        if (result.ExitCode != expectedExit)
        {
            throw new Xunit.Sdk.XunitException(
                $"step {step} in {Place} exited {result.ExitCode}, expected {expectedExit}:\n{script.Trim()}\n"
                + $"--- stdout\n{Tail(output)}--- stderr\n{Tail(Normalize(result.Error))}" + DaemonLog());
        }
        _outcome.Add($"step {step}: exit {result.ExitCode}" + (record ? "\n" + output : ""));
        return result.Output;
    }

    private void Prepopulate(string script)
    {
        var result = ProgramRun.Run("/bin/sh", ["-eu", "-c", script], Backing ?? Dir, _environment);
        if (result.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"the script that puts the existing data in {Place} exited {result.ExitCode}:\n{script.Trim()}\n--- stderr\n{Tail(result.Error)}");
        Prepopulated = true;
    }

    /// <summary>Adds an observation of the test's own to the outcome.</summary>
    public void Note(string observation) => _outcome.Add(observation);

    public string PathOf(string relative) => Path.Combine(Dir, relative);

    /// <summary>The daemon's log, to append to a failure: EIO and the like are explained there.</summary>
    public string DaemonLog() => Mount is { } mount ? $"\n--- vellum mount log\n{mount.Log}" : "";

    /// <summary>
    /// Ends a mounted place: unmounts (the daemon must exit 0) and, for a journaled mount,
    /// replays the journal into an empty directory, which must equal the backing directory:
    /// content, types, modes, owners, xattrs, links, holes, mtimes to the ns, and the atimes
    /// programs set. A journaled mount of data that was there before first completes the
    /// recording of that data (the baseline): only then does the journal describe all of it.
    /// </summary>
    public void Finish()
    {
        if (Mount is not { } mount)
            return;
        if (Prepopulated && mount.Journal is not null)
            mount.WaitForBaseline();
        mount.Unmount();
        if (mount.Journal is not { } journal)
            return;
        var replica = Path.Combine(Root, "replay");
        JournalReplay.Into(journal, replica, RootMode);
        TreeComparison.AssertEqual(Backing!, replica, new TreeComparisonOptions { AtimesSetBefore = Started });
    }

    /// <summary>The end of a long output, where the error usually is.</summary>
    private static string Tail(string text) => text.Length <= 3000 ? text : "...\n" + text[^3000..];

    private string Normalize(string text) => text.Replace(Dir, "$DIR", StringComparison.Ordinal).Replace(Root, "$ROOT", StringComparison.Ordinal);

    public void Dispose()
    {
        try
        {
            Mount?.Dispose();
        }
        finally
        {
            // rm, not Directory.Delete: .NET cannot remove a tree deeper than PATH_MAX.
            ProgramRun.Run("/bin/rm", ["-rf", "--one-file-system", Root], "/", _environment);
        }
    }
}
