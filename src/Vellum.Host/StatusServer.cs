using System.Net.Sockets;
using System.Text.Json;
using Vellum.Recording;
using Vellum.Recording.Baseline;
using Vellum.Store;

namespace Vellum.Host;

/// <summary>
/// Answers `vellum status MOUNTPOINT`: a mount listens on an abstract unix socket named
/// after its mountpoint (no file to clean up, gone with the process) and writes one JSON
/// object to each connection. A sampler thread keeps the operations-per-second figure.
/// </summary>
internal sealed class StatusServer : IDisposable
{
    private readonly Socket _listener;
    private readonly MountJournal _journal;
    private readonly Thread _thread;
    private readonly Timer _sampler;
    private readonly string _mountPoint;
    private long _lastOperations;
    private double _operationsPerSecond;
    private readonly CancellationTokenSource _stop = new();

    private readonly MountReplication? _replication;

    private readonly StoreScrubber? _scrubber;

    private StatusServer(string mountPoint, MountJournal journal, MountReplication? replication, StoreScrubber? scrubber)
    {
        _scrubber = scrubber;
        _replication = replication;
        _mountPoint = mountPoint;
        _journal = journal;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(EndPointFor(mountPoint));
        _listener.Listen(16);
        _sampler = new Timer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _thread = new Thread(Serve) { IsBackground = true, Name = "vellum-status" };
        _thread.Start();
    }

    public static StatusServer Start(string mountPoint, MountJournal journal, MountReplication? replication, StoreScrubber? scrubber) => new(mountPoint, journal, replication, scrubber);

    /// <summary>The abstract socket a mount at <paramref name="mountPoint"/> (a full path, no trailing slash) answers on.</summary>
    public static UnixDomainSocketEndPoint EndPointFor(string mountPoint) => new("\0vellum-status:" + mountPoint);

    public void Dispose()
    {
        // Closing a socket does not wake a thread blocked in accept(2) on Linux; cancelling does.
        _stop.Cancel();
        _thread.Join();
        _sampler.Dispose();
        _listener.Dispose();
        _stop.Dispose();
    }

    private void Sample()
    {
        var operations = _journal.Status().Operations;
        Volatile.Write(ref _operationsPerSecond, operations - Interlocked.Exchange(ref _lastOperations, operations));
    }

    private void Serve()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = _listener.AcceptAsync(_stop.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            using (connection)
            {
                var status = _journal.Status();
                var reply = new MountStatusReply(
                    _mountPoint,
                    _journal.Options.Directory,
                    _journal.Header.JournalId.ToString(),
                    _journal.Options.Sync.ToString().ToLowerInvariant(),
                    status.LastTransactionId,
                    status.WrittenPosition,
                    status.DurablePosition,
                    status.FifoBytesInUse,
                    status.FifoSize,
                    status.Stalls,
                    status.Operations,
                    Volatile.Read(ref _operationsPerSecond),
                    status.Syncs,
                    status.FsyncsAnsweredByJournal,
                    status.DeferredFiles,
                    status.Failure,
                    status.Full,
                    [.. (_replication?.Senders ?? []).Select(sender => ReplicaStatus.Of(sender, status.WrittenPosition, DateTimeOffset.Now))],
                    BaselineReply(_journal.Baseline),
                    new CommitStatusReply(status.CommitInterval.TotalSeconds, status.NotDurableFor?.TotalSeconds, status.Commits))
                {
                    Binding = new BindingStatusReply(_journal.Binding.BackingPath, _journal.Binding.Backing.Device, _journal.Binding.Backing.Inode, _journal.Binding.MarkName),
                    Scrub = StoreScrubbing.Reply(_scrubber),
                };
                try
                {
                    connection.Send(JsonSerializer.SerializeToUtf8Bytes(reply, StatusJson.Default.MountStatusReply));
                }
                catch (SocketException)
                {
                    // The asker went away; nothing to tell.
                }
            }
        }
    }

    private static BaselineStatusReply BaselineReply(BaselineProgress baseline) => new(
        baseline.State.ToString().ToLowerInvariant(),
        baseline.ObjectsDone,
        baseline.ObjectsTotal,
        baseline.BytesDone,
        baseline.BytesTotal,
        baseline.BytesPerSecond,
        baseline.EtaSeconds,
        baseline.CheckDuration.TotalSeconds,
        baseline.CheckedObjects,
        baseline.FoundChanges);
}
