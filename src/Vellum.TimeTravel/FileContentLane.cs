using System.Collections.Concurrent;
using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using Vellum.Mirror;

namespace Vellum.TimeTravel;

/// <summary>
/// A second thread that applies regular files' content and attribute changes (writes,
/// truncates, fallocates, a file's owner, mode, times and xattrs) while the restore's own
/// thread goes on with the transactions after them, in one queue so that one file's changes
/// keep their order. Such a change touches its file alone (no directory's entries or mtime),
/// and the transactions applied beside it only make new nodes or change directories, devices
/// and symlinks: anything else that may touch a file (a removal, a rename, a link, a baseline)
/// first waits until the lane has applied everything given to it (<see cref="Drain"/>).
/// </summary>
internal sealed class FileContentLane : IDisposable
{
    private const uint TypeMask = 0xF000;
    private const uint RegularType = 0x8000;

    private readonly BlockingCollection<TransactionEntry> _queue = new(boundedCapacity: 1024);
    private readonly JournalApplier _applier;
    private readonly Action<JournalApplier, TransactionEntry> _apply;
    private readonly Task _thread;
    private readonly object _idle = new();
    private long _pending;
    private Exception? _failure;

    public FileContentLane(string root, Action<JournalApplier, TransactionEntry> apply)
    {
        _applier = new JournalApplier(root);
        _apply = apply;
        _thread = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Whether the transaction only changes regular files' content or attributes, so the lane may take it.</summary>
    public static bool Takes(TransactionEntry transaction) => transaction.Operations.All(operation => operation.Kind switch
    {
        SubRecordType.Write or SubRecordType.Truncate or SubRecordType.Fallocate => operation.Path is { Length: > 0 },
        SubRecordType.SetAttr or SubRecordType.SetXattr or SubRecordType.RemoveXattr =>
            operation.Path is { Length: > 0 } && (operation.Result?.Attributes?.Mode & TypeMask) == RegularType,
        _ => false,
    });

    /// <summary>Whether the transaction may touch an existing file, so it waits for the lane: all but making new nodes and changing other nodes' attributes.</summary>
    public static bool MustWaitFor(TransactionEntry transaction) => !transaction.Operations.All(operation => operation.Kind switch
    {
        SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink or SubRecordType.Checkpoint or SubRecordType.Snapshot => true,
        SubRecordType.SetAttr or SubRecordType.SetXattr or SubRecordType.RemoveXattr =>
            operation.Path is { Length: 0 } || operation.Result?.Attributes?.Mode is { } mode && (mode & TypeMask) != RegularType,
        _ => false,
    });

    public void Add(TransactionEntry transaction, CancellationToken cancellation)
    {
        ThrowIfFailed();
        lock (_idle)
            _pending++;
        _queue.Add(transaction, cancellation);
    }

    /// <summary>Waits until everything given to the lane is applied; rethrows what it failed with.</summary>
    public void Drain(CancellationToken cancellation)
    {
        lock (_idle)
        {
            while (_pending > 0 && _failure is null && !cancellation.IsCancellationRequested)
                Monitor.Wait(_idle, 100);
        }
        cancellation.ThrowIfCancellationRequested();
        ThrowIfFailed();
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    private void Run()
    {
        foreach (var transaction in _queue.GetConsumingEnumerable())
        {
            // Once adding is over, what is still queued belongs to a restore that failed: it is not applied.
            if (_failure is null && !_queue.IsAddingCompleted)
            {
                try
                {
                    _apply(_applier, transaction);
                }
                catch (Exception failed) when (failed is MirrorException or IOException)
                {
                    Volatile.Write(ref _failure, failed);
                }
            }
            lock (_idle)
            {
                _pending--;
                Monitor.PulseAll(_idle);
            }
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Wait();
        _queue.Dispose();
        _applier.Dispose();
    }
}
