using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;

namespace Vellum.Recording.Baseline;

/// <summary>
/// The baseline's own thread: walks the backing directory depth-first through the directories
/// with something left to cover, covering each object under the recorder's namespace lock
/// (shared, as a change holds it), one object at a time, so that renames and other changes go
/// on between them. When the walk ends, every object is covered: it writes the COMPLETE
/// operation and the manifest. Every few seconds it saves the manifest of what is durable,
/// which is where a killed daemon's next mount resumes.
/// </summary>
internal sealed class BaselineWalker : IDisposable
{
    private readonly BaselineCoverage _coverage;
    private readonly ReaderWriterLockSlim _namespace;
    private readonly MemoryFifo _fifo;
    private readonly TransactionWriter _writer;
    private readonly JournalDurability _durability;
    private readonly BaselinePacer _pacer;
    private readonly string _manifestPath;
    private readonly int _rootFd;
    private readonly ILogger _logger;
    private readonly string _journal;
    private readonly string _backing;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    private readonly Stopwatch _sinceSave = Stopwatch.StartNew();
    private readonly Action _completed;
    private long _pausedBytes;
    private TimeSpan _saveInterval = TimeSpan.FromSeconds(2);

    public BaselineWalker(BaselineCoverage coverage, ReaderWriterLockSlim namespaceLock, MemoryFifo fifo, JournalDurability durability, long bytesPerSecond, string manifestPath, int rootFd, string journal, string backing, ILogger logger, Action completed)
    {
        _completed = completed;
        _coverage = coverage;
        _namespace = namespaceLock;
        _fifo = fifo;
        _writer = fifo.CreateWriter();
        _durability = durability;
        _pacer = new BaselinePacer(durability, fifo, bytesPerSecond);
        _manifestPath = manifestPath;
        _rootFd = rootFd;
        _journal = journal;
        _backing = backing;
        _logger = logger;
        // Deep trees are walked with an explicit stack, but covering a moved directory recurses.
        _thread = new Thread(Run, 16 * 1024 * 1024) { IsBackground = true, Name = "vellum-baseline" };
    }

    public void Start() => _thread.Start();

    /// <summary>Stops the walk after the object in hand; the manifest keeps what was covered.</summary>
    public void Stop()
    {
        _stopping.Cancel();
        if (_thread.IsAlive)
            _thread.Join();
    }

    private void Run()
    {
        try
        {
            Walk();
            if (_stopping.IsCancellationRequested)
                return;
            Finish();
        }
        catch (Exception failure) when (failure is FifoFailedException or SinkFullException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            RecordingLog.BaselineStopped(_logger, _journal, failure.Message);
        }
        catch (Exception unexpected) when (unexpected is not OutOfMemoryException)
        {
            // A fault of the walk's own must not end the daemon (this thread's exception would,
            // taking the mount with it): the baseline stops, said with where it failed, and the
            // next mount resumes it.
            RecordingLog.BaselineStopped(_logger, _journal, unexpected.ToString());
        }
        finally
        {
            if (_coverage.Progress.State != BaselineState.Complete)
                _coverage.Progress.Stop();
        }
    }

    private sealed class Frame(int fd, ulong inode)
    {
        public int Fd { get; } = fd;

        public ulong Inode { get; } = inode;

        public List<ListedName>? Names { get; set; }

        public int Next { get; set; }
    }

    private void Walk()
    {
        var stack = new Stack<Frame>();
        var root = LibC.OpenDirectoryAt(_rootFd, "."u8, LibCConstants.OPath);
        if (root < 0 || Passthrough.BackingInspection.Stat(root, out var rootStat) != Errno.Success)
            throw new IOException($"cannot open the backing directory {_backing}: {LibC.LastError()}");
        stack.Push(new Frame(root, rootStat.Ino));
        try
        {
            while (stack.Count > 0 && !_stopping.IsCancellationRequested)
            {
                var frame = stack.Peek();
                if (frame.Names is null)
                {
                    var names = new List<ListedName>();
                    Locked(() =>
                    {
                        _coverage.EnsureListed(frame.Fd, _writer);
                        DirectoryListing.Read(frame.Fd, names);
                    });
                    frame.Names = names;
                    SaveWhenDue();
                    continue;
                }
                if (frame.Next >= frame.Names.Count)
                {
                    _coverage.Walked(frame.Inode);
                    LibC.Close(stack.Pop().Fd);
                    continue;
                }
                var name = frame.Names[frame.Next++];
                if (name.IsDirectory)
                {
                    if (!_coverage.IsDirty(name.Stat.Ino))
                        continue;
                    var child = DirectoryListing.OpenChild(frame.Fd, name.Key);
                    if (child >= 0 && Passthrough.BackingInspection.Stat(child, out var now) == Errno.Success && now.Ino == name.Stat.Ino)
                        stack.Push(new Frame(child, now.Ino));
                    else if (child >= 0)
                        LibC.Close(child);
                    continue;
                }
                if (!_coverage.IsContentPending(name.Stat.Ino))
                    continue;
                long bytes = 0;
                Locked(() =>
                {
                    var child = DirectoryListing.OpenChild(frame.Fd, name.Key);
                    if (child < 0)
                        return;
                    try
                    {
                        bytes = _coverage.CoverContent(child, name.Stat.Ino, _writer, Pause);
                    }
                    finally
                    {
                        LibC.Close(child);
                    }
                });
                SaveWhenDue();
                _pacer.After(bytes - _pausedBytes, _stopping.Token, SaveWhenDue);
                _pausedBytes = 0;
            }
        }
        finally
        {
            while (stack.Count > 0)
                LibC.Close(stack.Pop().Fd);
        }
    }

    /// <summary>
    /// Between two transactions of a large file: lets go of the file's stripe lock and the
    /// namespace lock while the pacer yields and holds the rate, so renames and every other
    /// change go on meanwhile; takes them back in the same order. False once the walk stops.
    /// </summary>
    private bool Pause(long bytes, object stripe)
    {
        Monitor.Exit(stripe);
        _namespace.ExitReadLock();
        try
        {
            _pacer.After(bytes, _stopping.Token, SaveWhenDue);
            _pausedBytes += bytes;
        }
        finally
        {
            _namespace.EnterReadLock();
            Monitor.Enter(stripe);
        }
        return !_stopping.IsCancellationRequested;
    }

    /// <summary>One step under the namespace lock, shared: no path moves while it records; an unfinished transaction is abandoned.</summary>
    private void Locked(Action step)
    {
        _namespace.EnterReadLock();
        try
        {
            step();
        }
        catch
        {
            _writer.Abort();
            throw;
        }
        finally
        {
            _namespace.ExitReadLock();
        }
    }

    private void Finish()
    {
        Locked(() =>
        {
            _writer.Begin(BaselineRecords.Overhead);
            BaselineRecords.Write(_writer, new BaselineOperation { Flags = BaselineFlags.Complete });
            _writer.Commit();
            _coverage.MarkComplete();
        });
        Save();
        _coverage.Progress.Complete();
        _completed();
        var progress = _coverage.Progress;
        RecordingLog.BaselineComplete(_logger, _backing, progress.ObjectsDone, progress.BytesDone, progress.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), _journal);
    }

    private void SaveWhenDue()
    {
        if (_sinceSave.Elapsed < _saveInterval)
            return;
        var took = Stopwatch.StartNew();
        Save();
        // A large tree's manifest takes a while to write: never spend more than a tenth of the time on it.
        _saveInterval = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, took.Elapsed.Ticks * 10));
        _sinceSave.Restart();
    }

    /// <summary>
    /// Writes the manifest once every transaction it describes is durable (it never claims what
    /// a power cut could take): each was committed before the manifest's bytes were taken, so
    /// before the FIFO position read after them.
    /// </summary>
    private void Save()
    {
        var bytes = _coverage.ManifestBytes(_fifo.LastTransactionId);
        if (_durability.WaitFor(_fifo.WrittenPosition) != Errno.Success)
            return;
        try
        {
            BaselineManifest.Write(_manifestPath, bytes);
        }
        catch (IOException failure)
        {
            RecordingLog.ManifestNotSaved(_logger, _manifestPath, failure.Message);
        }
    }

    public void Dispose()
    {
        Stop();
        _writer.Dispose();
        _stopping.Dispose();
    }
}
