using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Vellum.Catalog;
using Vellum.Cli.Logging;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>Opening a store's catalog for a command that answers from it (history, cat, ls): the checks, the errors and what the opening did.</summary>
internal static class CatalogOpening
{
    /// <exception cref="CommandFailure">No store there (environment), a damaged store (data), a catalog that cannot be used (environment).</exception>
    public static StoreCatalog Open(string store, bool allowShared, ILoggerFactory logs)
    {
        if (!Directory.Exists(store))
            throw CommandFailure.Environment($"{store}: no such directory; give a store directory (a mount's --journal, or a 'vellum serve' STORE/<journal id>)");
        if (!Directory.EnumerateFiles(store, "*.vseg").Any())
            throw CommandFailure.Environment($"{store} holds no journal (no segment files); give a store directory (a mount's --journal, or a 'vellum serve' STORE/<journal id>)");
        SharedJournalOption.CheckForReading(store, "the journal", allowShared, logs);
        try
        {
            return StoreCatalog.Open(store);
        }
        catch (StoreDamagedException damage)
        {
            throw CommandFailure.DataProblem(damage.Message);
        }
        catch (UnauthorizedAccessException error)
        {
            throw CommandFailure.Environment($"{store} cannot be read: {SystemErrors.Describe(error)}");
        }
        catch (SqliteException error)
        {
            throw CommandFailure.Environment($"the catalog {Path.Combine(store, StoreCatalog.FileName)} cannot be used: {error.Message}; remove it (it is rebuilt from the journal)");
        }
    }

    public static void Report(StoreCatalog catalog, ILogger logger)
    {
        var update = catalog.LastUpdate;
        if (catalog.NotKeptBecause is { } why)
            CliLog.CatalogNotKept(logger, why);
        else if (update.RebuiltBecause is { } reason)
            CliLog.CatalogBuilt(logger, catalog.Path, reason, update.TransactionsIndexed, update.StoreBytesRead, update.Elapsed.TotalSeconds);
        else
            CliLog.CatalogUpdated(logger, catalog.Path, update.TransactionsIndexed, update.StoreBytesRead, update.Elapsed.TotalMilliseconds);
    }
}
