using System.CommandLine;
using Microsoft.Extensions.Logging;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum repair STORE [--from COPY]...`: verifies every record of the store and replaces each
/// damaged stretch with the bytes a copy of the same journal holds at the same store positions
/// (another store directory, or a `vellum serve` target's address), once they make the segment
/// verify whole. Without --from it only verifies.
/// </summary>
internal static class RepairCommand
{
    public static Command Create()
    {
        var store = new Argument<string>("STORE") { Description = "the store to verify and repair: a mount's journal directory, or a 'vellum serve' STORE/<journal id>" };
        var from = new Option<string[]>("--from")
        {
            Description = "a copy of the same journal to take damaged bytes from: a store directory, or a 'vellum serve' address tcp://HOST:PORT (repeat to try more, in order)",
            HelpName = "COPY",
            Arity = ArgumentArity.OneOrMore,
        };
        var secretFile = new Option<string?>("--secret-file") { Description = "the journal's secret (as for --replicate), for a tcp:// copy", HelpName = "FILE" };
        var fingerprint = new Option<string?>("--tls-fingerprint") { Description = "accept only the target certificate with this SHA-256 fingerprint", HelpName = "sha256:HEX" };
        var caFile = new Option<string?>("--tls-ca") { Description = "accept target certificates signed by this CA certificate (PEM)", HelpName = "FILE" };
        var insecure = new Option<bool>("--insecure") { Description = "plain TCP to a loopback target started with --insecure (no TLS)" };
        var forceInsecure = new Option<bool>("--force-insecure") { Description = "plain TCP to a target that is not on loopback" };
        var command = new VellumCommand("repair", "Verify every record of a store (CRC32C) and repair each damaged stretch from a copy of the same journal holding the same bytes at the same store positions; without --from, only verify. Nothing is changed unless the repaired segment verifies whole.")
        {
            LinePrefix = "vellum repair",
            Examples =
            [
                ("vellum repair JOURNAL", "verify every record of the journal and list the damage, changing nothing"),
                ("vellum repair JOURNAL --from /srv/vellum/UUID", "repair it from a 'vellum serve' store on this machine"),
                ("vellum repair JOURNAL --from tcp://backup:7400 --secret-file ~/.vellum-secret --tls-fingerprint sha256:HEX", "repair it from the 'vellum serve' at backup"),
            ],
        };
        command.Arguments.Add(store);
        var allowShared = SharedJournalOption.Create("a store");
        foreach (var option in new Option[] { from, secretFile, fingerprint, caFile, insecure, forceInsecure, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) =>
        {
            var copies = Copies(parseResult.GetValue(from) ?? [], parseResult.GetValue(secretFile), parseResult.GetValue(fingerprint), parseResult.GetValue(caFile),
                parseResult.GetValue(insecure) || parseResult.GetValue(forceInsecure), parseResult.GetValue(forceInsecure));
            return Run(parseResult.GetRequiredValue(store), copies, parseResult.GetValue(allowShared), logs);
        });
        return command;
    }

    /// <exception cref="CommandFailure">Damage left unrepaired (data), a copy of another journal (usage), a copy that cannot be reached (environment).</exception>
    public static int Run(string storeDirectory, IReadOnlyList<IStoreCopy> copies, bool allowShared, ILoggerFactory logs)
    {
        PathChecks.ExistingDirectory(storeDirectory, "the store", "give a journal directory or a 'vellum serve' STORE/<journal id>");
        SharedJournalOption.CheckForReading(storeDirectory, "the store", allowShared, logs);
        StoreRepairReport report;
        try
        {
            report = StoreRepair.RunAsync(storeDirectory, copies).GetAwaiter().GetResult();
        }
        catch (StoreRepairException refused) when (refused.OtherJournal)
        {
            throw CommandFailure.Usage($"{refused.Message}; nothing was changed: give a copy of this journal");
        }
        catch (StoreRepairException failed)
        {
            throw CommandFailure.Environment($"{failed.Message}; nothing was changed");
        }
        catch (Exception refused) when (SystemErrors.IsRefusal(refused))
        {
            throw CommandFailure.Environment(SystemErrors.Sentence(refused));
        }
        finally
        {
            foreach (var copy in copies)
                copy.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        Console.WriteLine($"verified {report.SegmentsVerified} segment(s), {report.BytesVerified:N0} bytes, of {storeDirectory}: {(report.WasClean ? "no damage" : $"{report.Damaged.Sum(d => d.Found.Damage.Count)} damaged stretch(es) in {report.Damaged.Count} segment(s)")}");
        foreach (var outcome in report.Damaged)
        {
            foreach (var damage in outcome.Found.Damage)
                Console.WriteLine($"damaged: {damage}");
            Console.WriteLine(outcome.Repaired
                ? $"repaired {Path.GetFileName(outcome.Found.File)} from {outcome.RepairedFrom}: it verifies whole"
                : $"not repaired: {Path.GetFileName(outcome.Found.File)}{(outcome.Refusals.Count == 0 ? "" : ": " + string.Join("; ", outcome.Refusals))}");
        }
        if (report.AllRepaired)
            return ExitCodes.Done;
        var wayOut = copies.Count == 0
            ? $"repair it from a copy of the journal: {Invocation.Command()} repair {storeDirectory} --from COPY (a replica store directory, or a 'vellum serve' tcp://HOST:PORT)"
            : "give another copy with --from";
        throw CommandFailure.DataProblem($"{storeDirectory} holds damage that was not repaired; {wayOut}");
    }

    /// <exception cref="CommandFailure">A copy's address or the TLS options are wrong (usage), the secret or CA file unreadable (environment).</exception>
    private static List<IStoreCopy> Copies(string[] from, string? secretFile, string? fingerprint, string? caFile, bool insecure, bool forceInsecure)
    {
        var copies = new List<IStoreCopy>();
        var remote = from.Where(copy => copy.StartsWith("tcp://", StringComparison.Ordinal)).ToList();
        if (remote.Count == 0 && (secretFile ?? fingerprint ?? caFile) is not null)
            throw CommandFailure.Usage("--secret-file, --tls-fingerprint and --tls-ca belong with a --from tcp://HOST:PORT copy");
        byte[]? secret = null;
        ServerPin? pin = null;
        if (remote.Count > 0)
        {
            if (secretFile is null)
                throw CommandFailure.Usage("a --from tcp://HOST:PORT copy needs --secret-file FILE: the journal's secret, as the target's --secrets lists it");
            if (fingerprint is not null && caFile is not null || (fingerprint ?? caFile) is not null && insecure)
                throw CommandFailure.Usage("choose one of --tls-fingerprint, --tls-ca and --insecure");
            PathChecks.ReadableFile(secretFile, "--secret-file", "it holds the journal's secret (at least 16 bytes, mode 0600)");
            try
            {
                secret = SecretBook.ReadSecretFile(secretFile);
                pin = fingerprint is not null ? ServerPin.Fingerprint(fingerprint) : caFile is not null ? ServerPin.CertificateAuthority(caFile) : null;
            }
            catch (FormatException invalid)
            {
                throw CommandFailure.Usage($"--tls-fingerprint {invalid.Message}");
            }
            catch (InvalidDataException invalid)
            {
                throw CommandFailure.Environment(invalid.Message);
            }
        }
        foreach (var copy in from)
        {
            if (!copy.StartsWith("tcp://", StringComparison.Ordinal))
            {
                PathChecks.ExistingDirectory(copy, "the copy", "give --from a store directory of the same journal, or tcp://HOST:PORT");
                copies.Add(new DirectoryCopy(copy));
                continue;
            }
            try
            {
                copies.Add(new RemoteStoreCopy(ReplicationTarget.Parse(copy, pin, insecure, forceInsecure), secret!));
            }
            catch (FormatException invalid)
            {
                throw CommandFailure.Usage(invalid.Message.Replace("replication target", "copy", StringComparison.Ordinal));
            }
        }
        return copies;
    }
}
