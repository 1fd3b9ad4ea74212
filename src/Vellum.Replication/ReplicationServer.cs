using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vellum.Replication;

/// <summary>
/// The target side, <c>vellum serve</c>: accepts journal streams, one session per
/// connection (<see cref="TargetSession"/>), into replica stores under one directory.
/// </summary>
public sealed class ReplicationServer : IAsyncDisposable
{
    private readonly ReplicationServerOptions _options;
    private readonly ILogger _logger;
    private readonly ILogger _sessionLogger;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _sessions = [];
    private Task? _accepting;

    /// <param name="loggerFactory">Makes the loggers of the server and its sessions (connections, refusals, resumes); <see cref="NullLoggerFactory.Instance"/> when null.</param>
    public ReplicationServer(ReplicaJournals journals, ReplicationServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        Journals = journals;
        _options = options;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<ReplicationServer>();
        _sessionLogger = loggerFactory.CreateLogger<TargetSession>();
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
                ReplicationLog.AcceptFailed(_logger, error.Message);
                continue;
            }
            var session = new TargetSession(client, Journals, _options, _sessionLogger, _stopping.Token);
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
