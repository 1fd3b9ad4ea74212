using System.Buffers;
using Vellum.Native;
using Vellum.Passthrough.Handles;
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

    /// <remarks>
    /// The timer's thread has no caller to answer: a failure is dropped here and the file
    /// compared again at its next fsync, close or sweep, rather than ending the daemon.
    /// </remarks>
    private void SweepMappings()
    {
        try
        {
            SweepMappingsOnce();
        }
#pragma warning disable CA1031 // See the remarks: nothing above this timer callback would catch it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void SweepMappingsOnce()
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
            // Only this watch: another may have replaced it for the node since.
            if (watch.Handles.Count > 0 || !_watches.TryGetValue(node, out var current) || current != watch)
                return;
            _watches.Remove(node);
            if (_watches.Count == 0)
            {
                _mappingSweep?.Dispose();
                _mappingSweep = null;
            }
        }
        // A store made between the comparison and the removal is caught by this last one.
        Compare(watch, journal: true);
        watch.Close();
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
            watch.Close();
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
                // A comparison that took the watch before it was closed (the sweep, an fsync)
                // finds it closed: its descriptor may already be another file's.
                if (watch.IsClosed)
                    return;
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
    /// Journals a changed block as what it now is, extent by extent (FIEMAP, which also
    /// writes back what a mapping left dirty): written data as writes, unwritten extents
    /// (allocated, reading as zeros) as a zeroed range, and holes as punched holes, so a
    /// replica gets the content and the allocation (a block can differ because of a change
    /// already journaled, such as a fallocate, and its zeros written as data would allocate
    /// them). Without FIEMAP, SEEK_DATA / SEEK_HOLE tell data from holes.
    /// </summary>
    private Errno RecordMappedBlock(MappedWriteWatch watch, ReadOnlySpan<byte> block, long offset)
    {
        var end = offset + block.Length;
        var extents = FileExtents.In(watch.File.Fd, offset, end) ?? DataRanges(watch.File.Fd, offset, end);
        var position = offset;
        foreach (var extent in extents)
        {
            var error = RecordMappedHole(watch, position, extent.Offset);
            if (error == Errno.Success)
            {
                error = extent.Unwritten
                    ? RecordMappedChange(watch, ChangeKind.Fallocate, LibCConstants.FallocZeroRange | LibCConstants.FallocKeepSize, [], extent.Offset, extent.Length)
                    : RecordMappedChange(watch, ChangeKind.Write, LibCConstants.ORdWr, block[(int)(extent.Offset - offset)..(int)(extent.End - offset)], extent.Offset, extent.Length);
            }
            if (error != Errno.Success)
                return error;
            position = extent.End;
        }
        return RecordMappedHole(watch, position, end);
    }

    private Errno RecordMappedHole(MappedWriteWatch watch, long from, long to) =>
        to > from
            ? RecordMappedChange(watch, ChangeKind.Fallocate, LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize, [], from, to - from)
            : Errno.Success;

    private static List<FileExtent> DataRanges(int fd, long offset, long end)
    {
        var ranges = new List<FileExtent>();
        var position = offset;
        while (position < end)
        {
            var data = LibC.LSeek(fd, position, LibCConstants.SeekData);
            if (data < 0 || data >= end)
                break;
            var hole = LibC.LSeek(fd, data, LibCConstants.SeekHole);
            var stop = hole < 0 ? end : Math.Min(hole, end);
            ranges.Add(new FileExtent(data, stop - data, Unwritten: false));
            position = stop;
        }
        return ranges;
    }

    /// <summary>A change the file already shows, recorded without a syscall: a write of <paramref name="data"/>, or a fallocate of <paramref name="flags"/>.</summary>
    private Errno RecordMappedChange(MappedWriteWatch watch, ChangeKind kind, int flags, ReadOnlySpan<byte> data, long offset, long length)
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
            Flags = flags,
        };
        var refused = ChangeScope.Begin(_recorder, in change, file.Node, out var scope);
        return refused != Errno.Success ? refused : scope.End(in change, ChangeOutcome.Of(Errno.Success, kind == ChangeKind.Write ? length : 0));
    }
}
