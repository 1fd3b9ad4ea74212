using System.Text;

namespace Vellum.Passthrough.Tests;

/// <summary>A readdirplus sink that takes at most <see cref="Capacity"/> entries per call.</summary>
internal sealed class PlusSink(int capacity) : IDirectoryPlusSink
{
    public int Capacity { get; } = capacity;

    public List<(string Name, NodeEntry Entry, long Next)> Entries { get; } = [];

    private int _taken;

    public bool TryAdd(ReadOnlySpan<byte> name, in NodeEntry entry, long nextOffset)
    {
        if (_taken == Capacity)
        {
            return false;
        }
        _taken++;
        Entries.Add((Encoding.UTF8.GetString(name), entry, nextOffset));
        return true;
    }

    public void NextPage() => _taken = 0;
}
