using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Fuse;
using Vellum.Host;
using Vellum.Native;
using Vellum.Recording;
using Vellum.Recording.Binding;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum mount BACKING MOUNTPOINT [--journal DIR] [--reversible] [--sync none|local|remote] ...`:
/// serves BACKING at MOUNTPOINT in the foreground, every change journaled (or none, with --no-journal).
/// </summary>
internal static class MountCommand
{
    public static Command Create()
    {
        var backing = new Argument<string>("BACKING") { Description = "the directory whose files the mount serves; they stay there" };
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "an empty directory where BACKING's files appear" };
        var journal = new Option<string?>("--journal")
        {
            Description = "the journal's directory, created if missing (default: the journal BACKING is bound to, else ~/.local/state/vellum/journals/NAME, NAME being BACKING's real path with '/' as '_', '_' as %5F and '%' as %25); not inside BACKING or MOUNTPOINT",
            HelpName = "DIR",
        };
        var rebindJournal = new Option<bool>(BackingBinder.RebindOption)
        {
            Description = "bind BACKING to this journal on purpose: a directory is bound to one journal (a mark on its root, hidden by the mount) and a journal to one directory; this binds BACKING anew where it was bound to another journal (which then receives none of its changes) or the journal to another directory (data restored onto a new disk: the journal continues with BACKING)",
        };
        var noJournal = new Option<bool>("--no-journal") { Description = "serve BACKING without a journal (a plain passthrough mount)" };
        var reversible = new Option<bool>("--reversible") { Description = "also journal the state each change destroys (UNDO), for a new journal" };
        var sync = new Option<SyncMode?>("--sync")
        {
            Description = "what fsync waits for: none (nothing), local (the journal durable; the default) or remote (also every --replicate target's acknowledgement)",
            HelpName = "none|local|remote",
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = ParseSync,
        };
        sync.CompletionSources.Clear();
        sync.CompletionSources.Add("none", "local", "remote");
        var deferBackingSync = new Option<TimeSpan?>("--defer-backing-sync")
        {
            Description = "seconds between the checkpoints that sync backing files whose later fsyncs the journal answered alone (default 5; 0: every fsync syncs the backing file)",
            HelpName = "SECONDS",
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = ParseBackingSyncDelay,
        };
        var baselineRate = new Option<long?>("--baseline-rate")
        {
            Description = "how many bytes per second the baseline (recording what BACKING held before the journal began) reads at most, with K, M or G; default: as fast as it can while yielding to applications' fsyncs",
            HelpName = "BYTES",
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = ParseRate,
        };
        var scrubInterval = ScrubIntervalOption.Create("the journal's");
        var commitInterval = new Option<TimeSpan?>("--commit-interval")
        {
            Description = "the journal is made durable at least this often without an fsync, bounding what a power cut can take (default 1s; 0: only fsyncs and every 4 MiB of changes)",
            HelpName = "DURATION",
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = ParseCommitInterval,
        };
        var allowShared = SharedJournalOption.Create("a journal");
        var noPassthrough = new Option<bool>("--no-passthrough") { Description = "read every file through the daemon instead of kernel passthrough" };
        var replication = new ReplicationOptions.CommandLine();

        var command = new VellumCommand("mount", "Serve BACKING at MOUNTPOINT in the foreground until Ctrl-C, SIGTERM or 'vellum umount', every change a transaction in the journal; fsync waits for the journal unless --sync none. --replicate streams the journal to 'vellum serve' targets.")
        {
            Examples =
            [
                ("vellum mount ~/data /mnt/data", "journal every change to ~/data made through /mnt/data, in ~/.local/state/vellum/journals/root_data"),
                ("vellum mount ~/data /mnt/data --journal /var/lib/vellum/data --sync none", "a journal of your choosing; fsync does not wait for it"),
                ("vellum mount /srv/data /mnt/data --journal /var/lib/vellum/data --rebind-journal", "/srv/data was restored onto a new disk: continue its journal with it"),
                ("vellum mount ~/data /mnt/data --replicate tcp://backup:7400 --secret-file ~/.vellum-secret --tls-fingerprint sha256:HEX", "also stream the journal to the 'vellum serve' on host backup"),
            ],
        };
        command.Arguments.Add(backing);
        command.Arguments.Add(mountPoint);
        foreach (var option in new Option[] { journal, rebindJournal, noJournal, reversible, sync, deferBackingSync, commitInterval, baselineRate, scrubInterval, allowShared, noPassthrough }.Concat(replication.Options))
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            MountOptions.Create(
                parseResult.GetRequiredValue(backing), parseResult.GetRequiredValue(mountPoint), parseResult.GetValue(journal),
                parseResult.GetValue(noJournal), parseResult.GetValue(reversible), parseResult.GetValue(sync) ?? SyncMode.Local, !parseResult.GetValue(noPassthrough),
                replication.Read(parseResult), parseResult.GetValue(deferBackingSync) ?? MountJournalOptions.DefaultBackingSyncDelay) with
                {
                    BaselineRate = parseResult.GetValue(baselineRate) ?? 0,
                    CommitInterval = parseResult.GetValue(commitInterval) ?? MountJournalOptions.DefaultCommitInterval,
                    RebindJournal = parseResult.GetValue(rebindJournal),
                    AllowSharedJournal = parseResult.GetValue(allowShared),
                    ScrubInterval = parseResult.GetValue(scrubInterval) ?? ScrubIntervalOption.Default,
                },
            logs));
        return command;
    }

    /// <summary>
    /// What opening the journal found, for the mount's first line: what recovery did, and the
    /// damage a scrub recorded before and found again (opening itself verifies the checkpoints
    /// and the newest segment; the scrub reads the rest).
    /// </summary>
    private static string JournalState(MountJournal journal, StoreScrubber? scrubber, string directory)
    {
        var damage = scrubber?.Status.Damage ?? [];
        if (damage.Count == 0)
            return journal.Recovery + SealedSegmentsUnread(journal, scrubber);
        var recovery = journal.Recovery.IsClean ? "" : $"; {journal.Recovery}";
        return $"DAMAGED: {string.Join("; ", damage)}; new changes are journaled after it, but mirrors and replication stop before it until it is repaired: {Invocation.Command()} repair {directory} --from COPY{recovery}";
    }

    /// <summary>
    /// What opening did not read, said so that "clean" claims no more than was checked: the
    /// sealed segments, which the scrub verifies next (or nobody, with the scrub off).
    /// </summary>
    private static string SealedSegmentsUnread(MountJournal journal, StoreScrubber? scrubber)
    {
        var sealedSegments = journal.Store.SealedSegments;
        if (sealedSegments.Count == 0)
            return "";
        var mebibytes = sealedSegments.Sum(segment => new FileInfo(segment.Path).Length) / 1048576.0;
        var size = string.Create(CultureInfo.InvariantCulture, $"{sealedSegments.Count} sealed segment(s), {mebibytes:N1} MiB");
        return scrubber is null
            ? $" (checked at open: the checkpoints and the newest segment; its {size}, are not verified with --scrub-interval 0: 'vellum repair {journal.Options.Directory}' verifies them)"
            : $" (checked at open: the checkpoints and the newest segment; the scrub verifies its {size}, now)";
    }

    /// <exception cref="CommandFailure">The paths are wrong, the mount was refused, or the journal is damaged.</exception>
    public static int Run(MountOptions options, ILoggerFactory logs)
    {
        var journalIsNew = options.Journal is { } journalDirectory && !Directory.Exists(journalDirectory);
        CheckPaths(options);
        try
        {
            return Serve(options, logs);
        }
        catch (CommandFailure) when (journalIsNew)
        {
            MountJournal.RemoveIfUnused(options.Journal!);
            throw;
        }
    }

    private static int Serve(MountOptions options, ILoggerFactory logs)
    {
        var logger = logs.CreateLogger("Vellum.Cli");
        try
        {
            var journalOptions = options.Journal is null ? null : new MountJournalOptions
            {
                Directory = options.Journal,
                BackingDirectory = options.Backing,
                Reversible = options.Reversible,
                Sync = options.Sync,
                BackingSyncDelay = options.BackingSyncDelay,
                BaselineRate = options.BaselineRate,
                RebindJournal = options.RebindJournal,
                AllowSharedJournal = options.AllowSharedJournal,
                CommitInterval = options.CommitInterval,
            };
            var replication = options.Replication.Targets.Count == 0 ? null
                : new MountReplicationOptions(options.Replication.Targets, options.Replication.SecretFile!) { RemoteTimeout = options.Replication.RemoteTimeout };
            using var host = MountHost.Start(new MountHostOptions
            {
                Backing = options.Backing,
                MountPoint = options.MountPoint,
                Journal = journalOptions,
                Passthrough = options.Passthrough,
                Replication = replication,
                ScrubInterval = options.ScrubInterval,
                LoggerFactory = logs,
            });
            using var signals = new MountSignals(host);
            if (host.Journal is { } journal)
                CliLog.JournalOpened(logger, options.Journal!, journal.Header.JournalId, options.Sync.ToString().ToLowerInvariant(), JournalState(journal, host.Scrubber, options.Journal!));
            CliLog.Mounted(logger, options.Backing, options.MountPoint, host.Session.ProtocolVersion.ToString(), host.Session.PassthroughEnabled ? "on" : "off", host.Journal is null ? "no journal" : "journaled");
            host.Run();
            return host.JournalUnfinished ? ExitCodes.Environment : ExitCodes.Done;
        }
        catch (MountStartException refused)
        {
            throw CommandFailure.Environment(refused.Message);
        }
        catch (FuseException refused)
        {
            throw CommandFailure.Environment(refused.Errno switch
            {
                Errno.ENOTEMPTY => $"{refused.Message}; give an empty directory as MOUNTPOINT",
                Errno.EBUSY => $"{refused.Message}; 'vellum umount {options.MountPoint}' stops it",
                Errno.EIO when !Environment.IsPrivilegedProcess => $"{refused.Message}; without root the mount goes through fusermount3, whose line above says why it refused (/dev/fuse must be open to you), or mount as root",
                _ => refused.Message,
            });
        }
        catch (Exception damaged) when (damaged is StoreDamagedException or InvalidDataException)
        {
            throw CommandFailure.DataProblem($"{damaged.Message}; the journal {options.Journal} needs repair from a copy of it ({Invocation.Command()} repair {options.Journal} --from COPY), or give another with --journal DIR");
        }
        catch (JournalMismatchException mismatch)
        {
            throw CommandFailure.Usage(mismatch.Message);
        }
        catch (MountInUseException inUse)
        {
            throw CommandFailure.Environment(inUse.Message);
        }
        catch (Exception refused) when (SystemErrors.IsRefusal(refused))
        {
            throw CommandFailure.Environment(SystemErrors.Sentence(refused));
        }
    }

    private static void CheckPaths(MountOptions options)
    {
        if (options.NoJournal && options.RebindJournal)
            throw CommandFailure.Usage($"--no-journal cannot be combined with {BackingBinder.RebindOption}: a mount without a journal binds nothing");
        PathChecks.ExistingDirectory(options.Backing, "the backing directory", "BACKING is the directory whose files the mount serves");
        if (PathChecks.IsInside(options.MountPoint, options.Backing))
            throw CommandFailure.Usage($"the mountpoint {options.MountPoint} must not be inside the backing directory {options.Backing}");
        // A mountpoint left by a killed daemon cannot even be looked at (ENOTCONN); the mount clears it.
        if (!Directory.Exists(options.MountPoint) && MountInfo.FileSystemTypeAt(options.MountPoint) is null)
            PathChecks.ExistingDirectory(options.MountPoint, "the mountpoint", $"MOUNTPOINT is an empty directory: mkdir -p {options.MountPoint}");
        if (options.Journal is { } journal)
        {
            if (PathChecks.IsInside(journal, options.Backing) || PathChecks.IsInside(journal, options.MountPoint))
                throw CommandFailure.Usage($"the journal {journal} must not be inside the backing directory or the mountpoint; choose another with --journal DIR");
            PathChecks.PrivateDirectory(journal, "the journal", "choose a writable directory with --journal DIR");
        }
    }

    private static SyncMode? ParseSync(ArgumentResult result)
    {
        var mode = result.Tokens.Single().Value;
        switch (mode)
        {
            case "none":
                return SyncMode.None;
            case "local":
                return SyncMode.Local;
            case "remote":
                return SyncMode.Remote;
            default:
                result.AddError($"--sync {mode}: the modes are none, local and remote");
                return null;
        }
    }

    private static long? ParseRate(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        var (number, unit) = text.Length > 0 && char.IsLetter(text[^1]) ? (text[..^1], char.ToUpperInvariant(text[^1])) : (text, ' ');
        var scale = unit switch { ' ' => 1L, 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 0L };
        if (scale > 0 && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value * scale < long.MaxValue)
            return (long)(value * scale);
        result.AddError($"--baseline-rate {text}: give bytes per second, such as 50M or 1G");
        return null;
    }

    private static TimeSpan? ParseCommitInterval(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (DurationText.TryParse(text, out var interval) && interval <= TimeSpan.FromHours(1))
            return interval;
        result.AddError($"--commit-interval {text}: give a duration up to 1h, {DurationText.Examples}; 0 turns it off");
        return null;
    }

    private static TimeSpan? ParseBackingSyncDelay(ArgumentResult result)
    {
        var seconds = result.Tokens.Single().Value;
        if (double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= 86_400)
            return TimeSpan.FromSeconds(value);
        result.AddError($"--defer-backing-sync {seconds}: give seconds from 0 (every fsync syncs the backing file) to 86400");
        return null;
    }
}
