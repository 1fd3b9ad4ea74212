using System.IO.Hashing;
using Vellum.Passthrough.Handles;

namespace Vellum.Passthrough.MappedWrites;

/// <summary>
/// A file that a writable kernel-passthrough open could map shared: the kernel maps the
/// backing file itself, so stores through such a mapping change the backing file without a
/// request. The watch keeps a checksum of every block as the journal last saw it, and
/// <see cref="PassthroughFileSystem"/> journals the blocks that differ as writes when the
/// file is synced, closed or released, and while a mapping outlives the opens.
/// </summary>
internal sealed class MappedWriteWatch(OpenFile file, Caller caller)
{
    /// <summary>The unit of comparison: a changed byte journals its whole block.</summary>
    public const int BlockSize = 64 * 1024;

    private ulong[] _checksums = [];
    private bool[] _known = [];

    /// <summary>The watch's own descriptor of the file and a lease on its node.</summary>
    public OpenFile File { get; } = file;

    /// <summary>Whom the journal names for the mapped changes: the writable open's caller.</summary>
    public Caller Caller { get; set; } = caller;

    /// <summary>Writable passthrough handles open now; guarded by the file system's watch lock.</summary>
    public HashSet<ulong> Handles { get; } = [];

    /// <summary>Serialises comparisons of this file (fsync, close, the sweep) and its closing.</summary>
    public Lock CompareLock { get; } = new();

    /// <summary>Closed: its descriptor is gone (guarded by <see cref="CompareLock"/>).</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Closes the watch's descriptor once; comparisons after it do nothing.</summary>
    public void Close()
    {
        lock (CompareLock)
        {
            if (IsClosed)
                return;
            IsClosed = true;
            File.Close();
        }
    }

    /// <summary>True when <paramref name="block"/> differs from what the journal last saw at <paramref name="index"/>.</summary>
    public bool Differs(long index, ReadOnlySpan<byte> block) =>
        index >= _known.Length || !_known[index] || _checksums[index] != XxHash3.HashToUInt64(block);

    /// <summary>Notes <paramref name="block"/> as what the journal now holds at <paramref name="index"/>.</summary>
    public void Saw(long index, ReadOnlySpan<byte> block)
    {
        if (index >= _known.Length)
        {
            var size = (int)Math.Max(index + 1, _known.Length * 2L);
            Array.Resize(ref _checksums, size);
            Array.Resize(ref _known, size);
        }
        _checksums[index] = XxHash3.HashToUInt64(block);
        _known[index] = true;
    }

    /// <summary>Forgets blocks from <paramref name="blocks"/> on (the file is shorter now).</summary>
    public void Truncate(long blocks)
    {
        for (var i = blocks; i < _known.Length; i++)
            _known[i] = false;
    }
}
