namespace Vellum.Replication;

/// <summary>
/// How one replication connection ends, at the source and at the target alike. The first
/// reason to end it (a protocol error, an I/O error, a refusal, the peer's closing note) breaks
/// it, once, here: the session's work is cancelled and, where given, the connection closed.
/// Every later failure, most of them caused by that closing, leaves the first reason in place,
/// and that reason is what the side reports (Npgsql's <c>NpgsqlConnector.Break</c>).
/// </summary>
internal sealed class ConnectionBreak(CancellationTokenSource session, Action? close = null)
{
    private Exception? _reason;

    /// <summary>Cancelled once the connection broke (or its session was cancelled from outside): the session's loops end on it.</summary>
    public CancellationToken Token => session.Token;

    /// <summary>Why the connection broke; null while it holds.</summary>
    public Exception? Reason => Volatile.Read(ref _reason);

    /// <summary>
    /// Breaks the connection for <paramref name="reason"/> unless it broke already. Returns the
    /// reason it broke for (the first), for the caller to throw or report.
    /// </summary>
    public Exception Break(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _reason, reason, null) is { } first)
            return first;
        End();
        close?.Invoke();
        return reason;
    }

    /// <summary>Ends the session without a fault (the peer closed between records): its loops stop, and nothing is taken for a reason.</summary>
    public void End()
    {
        try
        {
            session.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session is over already.
        }
    }

    /// <summary>The failures that end a connection rather than the process: the peer, the network, TLS, or the session's cancellation.</summary>
    public static bool Ends(Exception error) =>
        error is IOException or System.Net.Sockets.SocketException or ReplicationRefusedException
            or System.Security.Authentication.AuthenticationException or ObjectDisposedException or OperationCanceledException;
}
