using System.Text;

namespace Vellum.Passthrough.Tests;

/// <summary>A readdir sink that takes at most <see cref="Capacity"/> entries per call.</summary>
internal struct ListingSink(int capacity) : IDirectorySink
{
    public int Capacity { get; } = capacity;

    public List<(string Name, ulong Ino, DirectoryEntryType Type, long Next)> Entries { get; } = [];

    private int _taken;

    public bool TryAdd(ReadOnlySpan<byte> name, ulong ino, DirectoryEntryType type, long nextOffset)
    {
        if (_taken == Capacity)
        {
            return false;
        }
        _taken++;
        Entries.Add((Encoding.UTF8.GetString(name), ino, type, nextOffset));
        return true;
    }

    public void NextPage() => _taken = 0;
}
