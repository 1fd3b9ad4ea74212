using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vellum.Fifo;
using Vellum.Native;

namespace Vellum.Recording.Baseline;

/// <summary>
/// Once the baseline is complete, rewrites the manifest from a walk of the backing directory
/// every minute or so while the mount changes things, so that after an unclean stop the next
/// mount finds only the last minute's changes different, not everything since the mount
/// began (each difference is recorded again, harmlessly but at a cost). A walk may race with
/// changes; it is still safe to save once the FIFO is durable up to where it was when the walk
/// ended: every change the walk saw had its intent in the FIFO before it reached the backing
/// directory (write-ahead).
/// </summary>
internal sealed class ManifestRefresher : IDisposable
{
    private static readonly TimeSpan ShortestInterval = TimeSpan.FromSeconds(60);

    private readonly int _rootFd;
    private readonly Guid _journalId;
    private readonly string _path;
    private readonly MemoryFifo _fifo;
    private readonly JournalDurability _durability;
    private readonly Func<long> _operations;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;

    public ManifestRefresher(int rootFd, Guid journalId, string path, MemoryFifo fifo, JournalDurability durability, Func<long> operations, ILogger logger)
    {
        _rootFd = rootFd;
        _journalId = journalId;
        _path = path;
        _fifo = fifo;
        _durability = durability;
        _operations = operations;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "vellum-manifest" };
        _thread.Start();
    }

    /// <summary>
    /// Every interval in which changes came, writes the manifest from a walk. Not at once: the
    /// check at mount or the baseline's end has just written or confirmed it, and a walk of a
    /// large tree at every mount's start would repeat that check for nothing.
    /// </summary>
    private void Run()
    {
        var interval = ShortestInterval;
        var saved = _operations();
        while (!_stopping.Token.WaitHandle.WaitOne(interval))
        {
            var operations = _operations();
            if (operations == saved)
                continue;
            var took = Stopwatch.StartNew();
            if (!TrySave())
                continue;
            saved = operations;
            interval = TimeSpan.FromTicks(Math.Max(ShortestInterval.Ticks, took.Elapsed.Ticks * 20));
        }
    }

    private bool TrySave()
    {
        try
        {
            var manifest = BaselineCheck.Describe(_rootFd, _journalId, 0);
            manifest.TransactionId = _fifo.LastTransactionId;
            var bytes = manifest.Format();
            if (_durability.WaitFor(_fifo.WrittenPosition) != Errno.Success)
                return false;
            BaselineManifest.Write(_path, bytes);
            return true;
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            RecordingLog.ManifestNotSaved(_logger, _path, failure.Message);
            return false;
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _thread.Join();
        _stopping.Dispose();
    }
}
