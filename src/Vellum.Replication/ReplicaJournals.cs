using System.Buffers.Binary;
using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// The journals a target holds, one replica store each under its directory, named by the
/// journal id in its canonical form (so no name from the wire ever becomes a path). Stores
/// are opened on a source's first accepted session and kept open until disposal.
/// </summary>
public sealed class ReplicaJournals(string directory) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, ReplicaJournal> _open = [];
    private bool _disposed;

    public string Directory { get; } = directory;

    /// <summary>Whether the replica stores drop durable bytes from the page cache (<see cref="StoreOptions.DropBehind"/>): for a target whose journals no mirror reads.</summary>
    public bool DropBehind { get; init; }

    /// <summary>Raised when a journal's store is first opened (for a mirror to follow it).</summary>
    public event Action<ReplicaJournal>? Opened;

    public static string StoreDirectoryFor(string directory, Guid journalId) => Path.Combine(directory, journalId.ToString("D"));

    /// <summary>
    /// The journal <paramref name="journalId"/>, opened or created as a replica of the store
    /// starting with <paramref name="syncPoint"/>.
    /// </summary>
    /// <exception cref="ReplicationRefusedException">The sync point is not this journal's, or the store holds another history.</exception>
    internal ReplicaJournal Open(Guid journalId, byte[] syncPoint)
    {
        ReplicaJournal? opened = null;
        ReplicaJournal journal;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_open.TryGetValue(journalId, out journal!))
            {
                if (SyncPointJournal(syncPoint) is var named && named != journalId)
                    throw new ReplicationRefusedException($"the hello names journal {journalId} but its sync point is {(named is { } id ? $"journal {id}'s" : "not a readable sync point")}");
                if (SyncPointVersions(syncPoint) is { } versions && versions.MinCompatible > JournalFormat.Version)
                    throw new ReplicationRefusedException(
                        $"journal {journalId}: journal format {versions.Version} is newer than this server reads (max {JournalFormat.Version}): upgrade vellum serve");
                var path = StoreDirectoryFor(Directory, journalId);
                var existed = System.IO.Directory.Exists(path);
                SegmentStore store;
                try
                {
                    store = SegmentStore.Open(path, new StoreOptions { ReplicaOf = syncPoint, DropBehind = DropBehind });
                }
                catch (Exception refused) when (refused is ArgumentException or InvalidOperationException)
                {
                    // The store creates its directory before it checks the sync point; a refused journal leaves nothing behind.
                    if (!existed && System.IO.Directory.Exists(path) && !System.IO.Directory.EnumerateFileSystemEntries(path).Any())
                        System.IO.Directory.Delete(path);
                    // A bad sync point is the source's to hear about; the store's own refusals name this machine's paths, so they stay inner.
                    throw refused is ArgumentException ? new ReplicationRefusedException(refused.Message) : new ReplicationRefusedException(refused.Message, refused);
                }
                journal = new ReplicaJournal(journalId, store);
                _open.Add(journalId, journal);
                opened = journal;
            }
            else if (!journal.Store.HasFirstRecord(syncPoint))
            {
                throw new ReplicationRefusedException($"journal {journalId}: the source's first record differs from the one this target holds; they are different histories");
            }
        }
        if (opened is not null)
            Opened?.Invoke(opened);
        return journal;
    }

    /// <summary>The journal id in a sync point record's header, or null when it is not one (the store checks the rest).</summary>
    private static Guid? SyncPointJournal(byte[] syncPoint)
    {
        const int journalIdAt = JournalFormat.HeaderSize + 8;
        if (syncPoint.Length < journalIdAt + 16 || RecordHeader.Parse(syncPoint).Id != StreamId.SyncPoint)
            return null;
        return new Guid(syncPoint.AsSpan(journalIdAt, 16));
    }

    /// <summary>
    /// The format version of the journal a sync point heads and the oldest reader it allows
    /// (the journal header's first 4 bytes): what the hello tells a target about the stream
    /// it offers. Null when the record is too short to hold them (the store checks the rest).
    /// </summary>
    private static (ushort Version, ushort MinCompatible)? SyncPointVersions(byte[] syncPoint)
    {
        if (syncPoint.Length < JournalFormat.HeaderSize + 4)
            return null;
        var header = syncPoint.AsSpan(JournalFormat.HeaderSize);
        return (BinaryPrimitives.ReadUInt16LittleEndian(header), BinaryPrimitives.ReadUInt16LittleEndian(header[2..]));
    }

    /// <summary>Journals open now.</summary>
    public IReadOnlyList<ReplicaJournal> Journals
    {
        get
        {
            lock (_lock)
                return [.. _open.Values];
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var journal in _open.Values)
                journal.Dispose();
            _open.Clear();
        }
    }
}
