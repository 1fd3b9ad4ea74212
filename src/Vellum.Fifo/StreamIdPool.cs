using Vellum.Journal.Format;

namespace Vellum.Fifo;

/// <summary>
/// Hands out transaction stream ids. A writer keeps one for its lifetime, so at most one
/// transaction is open per id, as the format requires.
/// </summary>
internal sealed class StreamIdPool
{
    private readonly Stack<ushort> _free = new();
    private ushort _next = StreamId.FirstTransaction;

    public ushort Acquire()
    {
        lock (_free)
        {
            if (_free.TryPop(out var id))
                return id;
            if (_next > StreamId.LastTransaction)
                throw new InvalidOperationException($"all {StreamId.LastTransaction - StreamId.FirstTransaction + 1} transaction stream ids are in use");
            return _next++;
        }
    }

    public void Release(ushort id)
    {
        lock (_free)
            _free.Push(id);
    }
}
