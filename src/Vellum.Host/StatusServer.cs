using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vellum.Native;
using Vellum.Recording;
using Vellum.Recording.Baseline;
using Vellum.Store;

namespace Vellum.Host;

/// <summary>
/// Answers `vellum status MOUNTPOINT`: a mount listens on its status socket file
/// (<see cref="StatusListener"/>) and writes one JSON object to each connection; it reads
/// nothing, so the channel is read-only for everyone. Each caller's credentials are taken from
/// the kernel (SO_PEERCRED), logged, and checked by <see cref="StatusAccess"/>, the one place
/// a request other than the status would be refused to anyone but root. A sampler thread keeps
/// the operations-per-second figure.
/// </summary>
internal sealed class StatusServer : IDisposable
{
    private readonly StatusListener _listener;
    private readonly MountJournal _journal;
    private readonly Thread _thread;
    private readonly Timer _sampler;
    private readonly string _mountPoint;
    private readonly ILogger _logger;
    private long _lastOperations;
    private double _operationsPerSecond;
    private readonly CancellationTokenSource _stop = new();

    private readonly MountReplication? _replication;

    private readonly StoreScrubber? _scrubber;

    private StatusServer(StatusListener listener, string mountPoint, MountJournal journal, MountReplication? replication, StoreScrubber? scrubber, ILogger logger)
    {
        _scrubber = scrubber;
        _replication = replication;
        _mountPoint = mountPoint;
        _journal = journal;
        _logger = logger;
        _listener = listener;
        _sampler = new Timer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _thread = new Thread(Serve) { IsBackground = true, Name = "vellum-status" };
        _thread.Start();
    }

    /// <summary>Serves the status of the mount at <paramref name="mountPoint"/> on its socket in <paramref name="directory"/> (prepared: <see cref="StatusSocketDirectory.Prepare"/>).</summary>
    /// <exception cref="MountStartException">The socket cannot be made (a server answers there already).</exception>
    public static StatusServer Start(string directory, string mountPoint, MountJournal journal, MountReplication? replication, StoreScrubber? scrubber, ILogger logger) =>
        new(StatusListener.Listen(directory, mountPoint), mountPoint, journal, replication, scrubber, logger);

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
                connection = _listener.Socket.AcceptAsync(_stop.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception error) when (error is ObjectDisposedException or OperationCanceledException || _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException failed)
            {
                // A caller that gave up before it was accepted, or no descriptor left for now: the
                // socket serves the next caller (a status server that stopped here would leave
                // the mount answering nobody, as if it were not mounted). The pause keeps a lasting
                // failure (EMFILE) from spinning.
                HostLog.StatusAcceptFailed(_logger, _mountPoint, failed.Message);
                _stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
                continue;
            }
            using (connection)
            {
                if (!MayAsk(connection))
                    continue;
                byte[] reply;
                try
                {
                    reply = JsonSerializer.SerializeToUtf8Bytes(Reply(), StatusJson.Default.MountStatusReply);
                }
                catch (Exception failed) when (failed is not OutOfMemoryException)
                {
                    // This thread's exception would end the daemon, mount and all: the asker gets no answer, the mount goes on.
                    HostLog.StatusReplyFailed(_logger, _mountPoint, failed.ToString());
                    continue;
                }
                try
                {
                    connection.Send(reply);
                }
                catch (SocketException)
                {
                    // The asker went away; nothing to tell.
                }
            }
        }
    }

    private MountStatusReply Reply()
    {
        var status = _journal.Status();
        return new MountStatusReply(
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
    }

    /// <summary>Records who asks, and whether they may (always, for the status: the check is where any other request would be refused).</summary>
    private bool MayAsk(Socket connection)
    {
        PeerCredentials caller;
        try
        {
            caller = LibC.PeerCredentialsOf(connection.SafeHandle);
        }
        catch (SystemCallException unknown)
        {
            HostLog.StatusCallerUnknown(_logger, _mountPoint, unknown.Message);
            return false;
        }
        HostLog.StatusAsked(_logger, _mountPoint, caller.Pid, caller.Uid, caller.Gid);
        if (StatusAccess.Refusal(caller, StatusAccess.ReadStatus) is not { } refusal)
            return true;
        HostLog.StatusRefused(_logger, _mountPoint, refusal);
        return false;
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
