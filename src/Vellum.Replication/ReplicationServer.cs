using System.Net;
using System.Net.Sockets;

namespace Vellum.Replication;

/// <summary>
/// The target side, <c>vellum serve</c>: accepts journal streams, one session per
/// connection (<see cref="TargetSession"/>), into replica stores under one directory.
/// </summary>
public sealed class ReplicationServer : IAsyncDisposable
{
    private readonly ReplicationServerOptions _options;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _sessions = [];
    private Task? _accepting;

    public ReplicationServer(ReplicaJournals journals, ReplicationServerOptions options)
    {
        Journals = journals;
        _options = options;
        _listener = new TcpListener(options.Listen);
    }

    public ReplicaJournals Journals { get; }

    /// <summary>Where it listens (the port chosen when 0 was asked for); valid after <see cref="Start"/>.</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    public void Start()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException error)
            {
                _options.Log($"accepting a connection failed: {error.Message}");
                continue;
            }
            var session = new TargetSession(client, Journals, _options, _stopping.Token);
            var running = Task.Run(session.RunAsync);
            lock (_lock)
                _sessions.Add(running);
            _ = running.ContinueWith(done =>
            {
                lock (_lock)
                    _sessions.Remove(done);
            }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        if (_accepting is not null)
            await _accepting.ConfigureAwait(false);
        Task[] sessions;
        lock (_lock)
            sessions = [.. _sessions];
        await Task.WhenAll(sessions).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
