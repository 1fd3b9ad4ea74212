using System.Collections.Concurrent;

namespace Vellum.Passthrough.Handles;

/// <summary>Open handles by id. Ids count up from 1 and are never reused, so a stale id cannot reach a newer handle.</summary>
internal sealed class HandleTable<T>
    where T : class
{
    private readonly ConcurrentDictionary<ulong, T> _handles = new();
    private long _lastId;

    public int Count => _handles.Count;

    public ulong Add(T handle)
    {
        var id = (ulong)Interlocked.Increment(ref _lastId);
        _handles[id] = handle;
        return id;
    }

    public bool TryGet(ulong id, out T handle) => _handles.TryGetValue(id, out handle!);

    public bool TryRemove(ulong id, out T handle) => _handles.TryRemove(id, out handle!);

    public ICollection<T> Values => _handles.Values;
}
