using Vellum.Recording;

namespace Vellum.Cli.Commands;

/// <summary>The parsed command line of `vellum mount`.</summary>
internal sealed record MountOptions(string Backing, string MountPoint, string? Journal, bool NoJournal, bool Reversible, SyncMode Sync, bool Passthrough)
{
    /// <summary>--replicate and its companions; no targets when not replicating.</summary>
    public ReplicationOptions Replication { get; init; } = ReplicationOptions.None;

    /// <summary>--defer-backing-sync SECONDS: the checkpoint interval of fsyncs the journal answers alone; zero turns that off.</summary>
    public TimeSpan BackingSyncDelay { get; init; } = MountJournalOptions.DefaultBackingSyncDelay;

    /// <summary>
    /// Where a mount's journal goes without --journal: under the user's state directory,
    /// named after the backing directory, so it is never inside BACKING or MOUNTPOINT
    /// unless those contain the home directory (then the mount refuses and asks for --journal).
    /// </summary>
    public static string DefaultJournalFor(string backing)
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        var name = backing.Trim('/').Replace('/', '_');
        return Path.Combine(state, "vellum", "journals", name.Length == 0 ? "root" : name);
    }

    public static bool TryParse(IReadOnlyList<string> args, out MountOptions? options, out string? error)
    {
        options = null;
        var positional = new List<string>();
        string? journal = null;
        var noJournal = false;
        var reversible = false;
        var passthrough = true;
        var sync = SyncMode.Local;
        TimeSpan? backingSyncDelay = null;
        var replication = new ReplicationOptions.Builder();
        for (var i = 0; i < args.Count; i++)
        {
            if (replication.TryTake(args, ref i, out var replicationError))
                continue;
            if (replicationError is not null)
            {
                error = replicationError;
                return false;
            }
            switch (args[i])
            {
                case "--no-journal":
                    noJournal = true;
                    break;
                case "--reversible":
                    reversible = true;
                    break;
                case "--no-passthrough":
                    passthrough = false;
                    break;
                case "--journal" when i + 1 < args.Count:
                    journal = args[++i];
                    break;
                case "--sync" when i + 1 < args.Count:
                    var mode = args[++i];
                    if (mode == "none")
                        sync = SyncMode.None;
                    else if (mode == "local")
                        sync = SyncMode.Local;
                    else if (mode == "remote")
                        sync = SyncMode.Remote;
                    else
                    {
                        error = $"--sync {mode}: the modes are none, local and remote";
                        return false;
                    }
                    break;
                case "--defer-backing-sync" when i + 1 < args.Count:
                    var seconds = args[++i];
                    if (!double.TryParse(seconds, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0 || value > 86_400)
                    {
                        error = $"--defer-backing-sync {seconds}: give seconds from 0 (every fsync syncs the backing file) to 86400";
                        return false;
                    }
                    backingSyncDelay = TimeSpan.FromSeconds(value);
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    error = $"unknown option {option} (or its value is missing)";
                    return false;
                default:
                    positional.Add(args[i]);
                    break;
            }
        }
        if (positional.Count != 2)
        {
            error = "BACKING and MOUNTPOINT are required";
            return false;
        }
        if (noJournal && (journal is not null || reversible))
        {
            error = "--no-journal cannot be combined with --journal or --reversible";
            return false;
        }
        if (!replication.TryBuild(out var replicationOptions, out error))
            return false;
        if (sync == SyncMode.Remote && replicationOptions.Targets.Count == 0)
        {
            error = "--sync remote waits for replication targets: give at least one --replicate tcp://HOST:PORT";
            return false;
        }
        if (noJournal && replicationOptions.Targets.Count > 0)
        {
            error = "--no-journal cannot be combined with --replicate: the journal is what is replicated";
            return false;
        }
        var backing = Path.TrimEndingDirectorySeparator(Path.GetFullPath(positional[0]));
        var mountPoint = Path.TrimEndingDirectorySeparator(Path.GetFullPath(positional[1]));
        journal = noJournal ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(journal ?? DefaultJournalFor(backing)));
        options = new MountOptions(backing, mountPoint, journal, noJournal, reversible, sync, passthrough) { Replication = replicationOptions };
        if (backingSyncDelay is { } delay)
            options = options with { BackingSyncDelay = delay };
        error = null;
        return true;
    }

    public static bool IsInside(string path, string directory) =>
        path == directory || path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);
}
