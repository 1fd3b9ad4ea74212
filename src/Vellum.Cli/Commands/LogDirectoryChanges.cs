namespace Vellum.Cli.Commands;

/// <summary>Wakes a follower when a file in the store directory is written, created or removed; polls as a fallback.</summary>
internal sealed class LogDirectoryChanges : IDisposable
{
    private readonly AutoResetEvent _changed = new(false);
    private readonly FileSystemWatcher? _watcher;
    private readonly TimeSpan _poll;

    public LogDirectoryChanges(string directory)
    {
        try
        {
            _watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Changed += (_, _) => _changed.Set();
            _watcher.Created += (_, _) => _changed.Set();
            _watcher.Deleted += (_, _) => _changed.Set();
            _watcher.Renamed += (_, _) => _changed.Set();
            _watcher.Error += (_, _) => _changed.Set();
            _watcher.EnableRaisingEvents = true;
            _poll = TimeSpan.FromSeconds(5);
        }
        catch (IOException)
        {
            // Out of inotify instances: read the store again every second instead.
            _watcher?.Dispose();
            _watcher = null;
            _poll = TimeSpan.FromSeconds(1);
        }
    }

    /// <summary>Returns after a change (or the poll interval); false once <paramref name="stop"/> is cancelled.</summary>
    public bool Wait(CancellationToken stop)
    {
        WaitHandle.WaitAny([_changed, stop.WaitHandle], _poll);
        return !stop.IsCancellationRequested;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _changed.Dispose();
    }
}
