using Vellum.Mirror;

namespace Vellum.Cli.Commands;

/// <summary>`vellum mirror --verify` and `--rebuild`: what they print and exit with.</summary>
internal static class MirrorVerification
{
    /// <summary>
    /// Prints "REPLICA matches its journal at transaction T" (exit 0), or the differences, one
    /// a line, and fails with the command that rebuilds it (data).
    /// </summary>
    /// <exception cref="CommandFailure">The replica differs or does not fit the store (data), is locked or unreachable (environment).</exception>
    public static int Verify(MirrorOptions options)
    {
        ReplicaVerification verification;
        try
        {
            verification = ReplicaVerification.Run(options.Store, options.Replica);
        }
        catch (Exception refused) when (refused is MirrorException || SystemErrors.IsRefusal(refused))
        {
            throw MirrorCommand.Failure(refused, options.Store);
        }
        var at = verification.Position is { } position ? $"transaction {position.TransactionId} of journal {position.JournalId}" : "the start of the journal";
        if (verification.IsEqual)
        {
            Console.WriteLine($"{options.Replica} matches its journal at {at}");
            return ExitCodes.Done;
        }
        var count = verification.DifferenceCount;
        Console.WriteLine($"{options.Replica} differs from its journal at {at} in {Places(count)}:");
        foreach (var difference in verification.Differences)
            Console.WriteLine($"  {difference}");
        if (count > verification.Differences.Count)
            Console.WriteLine($"  ... and {count - verification.Differences.Count} more");
        throw CommandFailure.DataProblem(
            $"the replica {options.Replica} differs from a fresh replay of its journal in {Places(count)}: it was changed outside the mirror; "
            + $"rebuild it ({Invocation.Command()} mirror --store {options.Store} --to {options.Replica} --rebuild)");
    }

    /// <summary>Prints "rebuilt REPLICA: at transaction T of journal UUID"; Ctrl-C or SIGTERM stops it before the swap, leaving the replica as it was.</summary>
    /// <exception cref="CommandFailure">The directory is no replica of the store, the store is damaged (data), or the replica is locked or unwritable (environment).</exception>
    public static int Rebuild(MirrorOptions options)
    {
        using var stop = new SignalStop();
        MirrorPosition? position;
        try
        {
            position = ReplicaRebuild.Run(options.Store, options.Replica, stop.Token);
        }
        catch (Exception refused) when (refused is MirrorException || SystemErrors.IsRefusal(refused))
        {
            throw MirrorCommand.Failure(refused, options.Store);
        }
        if (position is null && stop.IsCancellationRequested)
        {
            Console.WriteLine($"stopped; {options.Replica} is as it was");
            return ExitCodes.Done;
        }
        Console.WriteLine(position is { } at
            ? $"rebuilt {options.Replica}: at transaction {at.TransactionId} of journal {at.JournalId}"
            : $"rebuilt {options.Replica}: at the start of the journal");
        return ExitCodes.Done;
    }

    private static string Places(long count) => $"{count} place{(count == 1 ? "" : "s")}";
}
