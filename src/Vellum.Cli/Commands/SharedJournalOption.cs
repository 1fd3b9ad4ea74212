using System.CommandLine;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Native;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `--allow-shared-journal` of mount, serve, log, mirror and repair: a journal or store whose
/// modes or ACLs let other users in is used as it is, with a warning at every start, instead of
/// being refused with the chmod that makes it private (<see cref="StorePrivacy"/>).
/// </summary>
internal static class SharedJournalOption
{
    public static Option<bool> Create(string what) => new(StorePrivacy.AllowOption)
    {
        Description = $"use {what} even when its mode or ACLs let other users read it (with a warning), instead of refusing it",
    };

    /// <summary>The check of a command that reads an existing journal or store (log, mirror, repair).</summary>
    /// <exception cref="CommandFailure">It is shared and <paramref name="allowShared"/> is false (environment).</exception>
    public static void CheckForReading(string directory, string role, bool allowShared, ILoggerFactory logs)
    {
        SharedAccess shared;
        try
        {
            // A directory without segments holds no journal to keep private: the command says there is no store.
            if (!Directory.EnumerateFiles(directory, "*.vseg").Any())
                return;
            shared = StorePrivacy.CheckForReading(directory, role, allowShared);
        }
        catch (NotPrivateException refused)
        {
            throw CommandFailure.Environment(refused.Message);
        }
        catch (Exception unexamined) when (unexamined is IOException or UnauthorizedAccessException)
        {
            // What cannot be examined cannot be read either: the command says so when it opens it.
            return;
        }
        if (shared.IsShared)
            CliLog.SharedJournal(logs.CreateLogger("Vellum.Cli"), StorePrivacy.Warning(shared, role));
    }
}
