using Vellum.Journal.Scanning;

namespace Vellum.Journal.Tests;

/// <summary>
/// Fuzz target: scans any input completely. The only acceptable outcomes are entries and a
/// <see cref="JournalError"/>; any exception, or entries that are out of order or after the
/// error, escapes as a failure. It also scans the input through a trickling non-seekable stream
/// and requires the same outcome, so buffer refills at awkward places are exercised.
/// </summary>
public static class ScannerFuzz
{
    public static void Fuzz(ReadOnlySpan<byte> input)
    {
        var result = JournalScanner.ReadAll(input);
        var previous = -1L;
        foreach (var entry in result.Entries)
        {
            if (entry.Offset <= previous || entry.Offset >= input.Length)
                throw new InvalidOperationException($"entry at {entry.Offset} after one at {previous} in {input.Length} bytes");
            previous = entry.Offset;
        }
        // A corruption inside a transaction is placed at the record holding the offending byte,
        // which may precede entries of other transactions; a torn tail never may.
        if (result.Error is { } error && (error.Offset < 0 || error.Offset > input.Length || (error.Kind == JournalErrorKind.TornTail && error.Offset <= previous)))
            throw new InvalidOperationException($"{error.Kind} at {error.Offset}, last entry at {previous}, input of {input.Length} bytes");
        if (result.Error is null && result.Header is null)
            throw new InvalidOperationException("a clean end without a sync point");

        using var scanner = new JournalScanner(new TrickleStream(input.ToArray(), input.Length, maxPiece: 1 + input.Length % 200));
        var count = 0;
        while (scanner.TryRead(out var entry))
        {
            if (count >= result.Entries.Count || entry.GetType() != result.Entries[count].GetType() || entry.Offset != result.Entries[count].Offset)
                throw new InvalidOperationException($"entry {count} at {entry.Offset} differs when read from a stream");
            count++;
        }
        if (count != result.Entries.Count || scanner.Error != result.Error)
            throw new InvalidOperationException($"reading from a stream ended with {count} entries and {scanner.Error}, from memory {result.Entries.Count} and {result.Error}");
    }
}
