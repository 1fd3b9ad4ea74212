using Microsoft.Extensions.Logging;
using Vellum.Replication;
using Vellum.Store;

namespace Vellum.Host;

/// <summary>A serve node's scrubs: one per received journal, from the journal's first session until the node stops.</summary>
internal sealed class JournalScrubbers(TimeSpan interval, ILogger logger) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, StoreScrubber> _scrubbers = [];
    private bool _disposed;

    public void Scrub(ReplicaJournal journal)
    {
        lock (_lock)
        {
            if (_disposed || _scrubbers.ContainsKey(journal.Id))
                return;
            if (StoreScrubbing.Start(journal.Store, interval, logger, "SOURCE_JOURNAL") is { } scrubber)
                _scrubbers.Add(journal.Id, scrubber);
        }
    }

    public ScrubStatus? Status(Guid journalId)
    {
        lock (_lock)
            return _scrubbers.TryGetValue(journalId, out var scrubber) ? scrubber.Status : null;
    }

    public void Dispose()
    {
        List<StoreScrubber> scrubbers;
        lock (_lock)
        {
            _disposed = true;
            scrubbers = [.. _scrubbers.Values];
            _scrubbers.Clear();
        }
        foreach (var scrubber in scrubbers)
            scrubber.Dispose();
    }
}
