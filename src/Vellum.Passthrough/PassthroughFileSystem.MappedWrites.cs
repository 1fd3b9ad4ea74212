using System.Buffers;
using Vellum.Passthrough.Handles;
using Vellum.Passthrough.Interop;
using Vellum.Passthrough.MappedWrites;

namespace Vellum.Passthrough;

/// <summary>
/// Journals what shared mappings of writable passthrough opens store into a file. Such an
/// open exists only when a file that already had read-only passthrough opens is opened for
/// writing (the kernel then requires passthrough for it too, and maps the backing file
/// directly); writes through read(2)/write(2) still come as requests. What a mapping stored
/// is found by comparing the file with block checksums taken when the journal last saw it,
/// at every fsync of the file, at every close and release of such an open, and once a
/// second while a mapping outlives them; each changed block becomes a write transaction.
/// </summary>
public sealed unsafe partial class PassthroughFileSystem
{
    private static readonly TimeSpan MappingSweepInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _watchLock = new();
    private readonly Dictionary<ulong, MappedWriteWatch> _watches = [];
    private Timer? _mappingSweep;

    /// <summary>Files whose shared mappings are being compared with the journal (for tests and status).</summary>
    public int WatchedMappedFiles
    {
        get
        {
            lock (_watchLock)
                return _watches.Count;
        }
    }

    /// <summary>
    /// <paramref name="handle"/>, a writable open, was handed to the kernel as passthrough:
    /// from now on its shared mappings can store into the backing file without a request.
    /// The file's current content is what the journal has (every earlier change came through
    /// the change seam), so it is the baseline of the comparison.
    /// </summary>
    public void WatchMappedWrites(in Caller caller, ulong handle)
    {
        if (_recorder is null || !_files.TryGet(handle, out var file))
            return;
        MappedWriteWatch? created = null;
        lock (_watchLock)
        {
            if (!_watches.TryGetValue(file.Node.Id, out var watch))
            {
                var lease = file.NodeLease;
                var own = Reopen(in lease, LibCConstants.ORdOnly);
                if (own < 0)
                    return;
                watch = created = new MappedWriteWatch(new OpenFile(_nodes.Acquire(file.Node), own, LibCConstants.ORdOnly), caller);
                _watches[file.Node.Id] = watch;
                _mappingSweep ??= new Timer(_ => SweepMappings(), null, MappingSweepInterval, MappingSweepInterval);
            }
            watch.Caller = caller;
            watch.Handles.Add(handle);
        }
        if (created is not null)
            Compare(created, journal: false);
    }

    /// <summary>
    /// Journals what mappings of <paramref name="node"/> stored since the journal last saw it;
    /// with <paramref name="handle"/>, only when that handle is a watched writable open.
    /// </summary>
    private void JournalMappedWrites(ulong node, ulong? handle = null)
    {
        MappedWriteWatch? watch;
        lock (_watchLock)
        {
            if (!_watches.TryGetValue(node, out watch) || (handle is { } h && !watch.Handles.Contains(h)))
                return;
        }
        Compare(watch, journal: true);
    }

    /// <summary>A writable passthrough handle is released: compare, and stop watching once nothing maps the file.</summary>
    private void EndMappedWrites(ulong node, ulong handle)
    {
        MappedWriteWatch? watch;
        lock (_watchLock)
        {
            if (!_watches.TryGetValue(node, out watch) || !watch.Handles.Remove(handle))
                return;
        }
        Compare(watch, journal: true);
        StopWhenUnmapped(node, watch);
    }

    private void SweepMappings()
    {
        List<(ulong Node, MappedWriteWatch Watch)> idle;
        lock (_watchLock)
            idle = [.. _watches.Where(w => w.Value.Handles.Count == 0).Select(w => (w.Key, w.Value))];
        foreach (var (node, watch) in idle)
        {
            Compare(watch, journal: true);
            StopWhenUnmapped(node, watch);
        }
    }

    private void StopWhenUnmapped(ulong node, MappedWriteWatch watch)
    {
        if (watch.Handles.Count > 0 || SharedMappings.ExistFor(watch.File.Node.Dev, watch.File.Node.Ino))
            return;
        lock (_watchLock)
        {
            if (watch.Handles.Count > 0 || !_watches.Remove(node))
                return;
            if (_watches.Count == 0)
            {
                _mappingSweep?.Dispose();
                _mappingSweep = null;
            }
        }
        // A store made between the comparison and the removal is caught by this last one.
        Compare(watch, journal: true);
        lock (watch.CompareLock)
            watch.File.Close();
    }

    /// <summary>Compares and journals every watched file one last time (unmount).</summary>
    private void EndAllMappedWrites()
    {
        List<MappedWriteWatch> all;
        lock (_watchLock)
        {
            all = [.. _watches.Values];
            _watches.Clear();
            _mappingSweep?.Dispose();
            _mappingSweep = null;
        }
        foreach (var watch in all)
        {
            Compare(watch, journal: true);
            lock (watch.CompareLock)
                watch.File.Close();
        }
    }

    /// <summary>
    /// Reads the file block by block under its change lock (so no recorded change of it
    /// interleaves with a block's read and its transaction) and journals each block that
    /// differs from what the journal last saw as a write of its current bytes, which are
    /// already in the file: there is no syscall to make.
    /// </summary>
    private void Compare(MappedWriteWatch watch, bool journal)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MappedWriteWatch.BlockSize);
        try
        {
            lock (watch.CompareLock)
            {
                var file = watch.File;
                for (long index = 0; ; index++)
                {
                    var offset = index * MappedWriteWatch.BlockSize;
                    using var changeLock = file.Node.ChangeLock.EnterScope();
                    nint read;
                    fixed (byte* p = buffer)
                        read = LibC.PRead(file.Fd, p, MappedWriteWatch.BlockSize, offset);
                    if (read <= 0)
                    {
                        watch.Truncate(index);
                        return;
                    }
                    var block = buffer.AsSpan(0, (int)read);
                    if (!watch.Differs(index, block))
                        continue;
                    if (journal && RecordMappedBlock(watch, block, offset) != Errno.Success)
                    {
                        return;
                    }
                    watch.Saw(index, block);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Journals a changed block as what it now is: its data as writes and its holes as
    /// punched holes, so a replica stays as sparse as the file (a block can differ because a
    /// hole was punched in it since the journal last saw it, and its zeros written as data
    /// would allocate them).
    /// </summary>
    private Errno RecordMappedBlock(MappedWriteWatch watch, ReadOnlySpan<byte> block, long offset)
    {
        var end = offset + block.Length;
        var position = offset;
        while (position < end)
        {
            var data = LibC.LSeek(watch.File.Fd, position, LibCConstants.SeekData);
            var dataStart = data < 0 ? end : Math.Min(data, end);
            if (dataStart > position)
            {
                var punched = RecordMappedChange(watch, ChangeKind.Fallocate, [], position, dataStart - position);
                if (punched != Errno.Success)
                    return punched;
            }
            if (dataStart >= end)
                break;
            var hole = LibC.LSeek(watch.File.Fd, dataStart, LibCConstants.SeekHole);
            var dataEnd = hole < 0 ? end : Math.Min(hole, end);
            var written = RecordMappedChange(watch, ChangeKind.Write, block[(int)(dataStart - offset)..(int)(dataEnd - offset)], dataStart, dataEnd - dataStart);
            if (written != Errno.Success)
                return written;
            position = dataEnd;
        }
        return Errno.Success;
    }

    /// <summary>A change the file already shows, recorded without a syscall: a write of <paramref name="data"/>, or a punched hole.</summary>
    private Errno RecordMappedChange(MappedWriteWatch watch, ChangeKind kind, ReadOnlySpan<byte> data, long offset, long length)
    {
        var file = watch.File;
        var change = new Change
        {
            Kind = kind,
            Caller = watch.Caller,
            Node = file.Node.Id,
            NodeFd = file.NodeFd,
            HandleFd = file.Fd,
            Data = data,
            Offset = offset,
            Length = length,
            Flags = kind == ChangeKind.Write ? LibCConstants.ORdWr : LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize,
        };
        var refused = ChangeScope.Begin(_recorder, in change, file.Node, out var scope);
        return refused != Errno.Success ? refused : scope.End(in change, ChangeOutcome.Of(Errno.Success, kind == ChangeKind.Write ? length : 0));
    }
}
