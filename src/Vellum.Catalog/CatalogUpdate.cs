namespace Vellum.Catalog;

/// <summary>What bringing the catalog up to date did.</summary>
/// <param name="RebuiltBecause">Why the catalog was built afresh ("missing", "damaged: ...", "stale: ..."), or null when it was brought up to date in place.</param>
/// <param name="StoreBytesRead">Store bytes read to index (only those past the catalog's recorded position, unless rebuilt).</param>
/// <param name="TransactionsIndexed">Transactions added to the catalog.</param>
/// <param name="IndexedUpTo">The store position the catalog now covers.</param>
/// <param name="Damage">Where reading stopped at damage in the store (file and offset), or null.</param>
public sealed record CatalogUpdate(string? RebuiltBecause, long StoreBytesRead, long TransactionsIndexed, TimeSpan Elapsed, long IndexedUpTo, string? Damage);
