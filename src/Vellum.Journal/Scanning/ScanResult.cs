using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>Everything <see cref="JournalScanner.ReadAll"/> read: the entries before any damage, and the damage.</summary>
public sealed record ScanResult(
    IReadOnlyList<JournalEntry> Entries,
    JournalError? Error,
    IReadOnlyList<ulong> IncompleteTransactions,
    JournalHeader? Header);
