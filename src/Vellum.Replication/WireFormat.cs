namespace Vellum.Replication;

/// <summary>Constants of the replication protocol, version 3 (docs/replication.md).</summary>
public static class WireFormat
{
    /// <summary>First bytes of both sides' first message: ASCII "VLLMREP1".</summary>
    public static ReadOnlySpan<byte> Magic => "VLLMREP1"u8;

    /// <summary>
    /// 3: the hello says what the session is for, and a fetch session reads ranges of the
    /// target's copy (for a repair). 2: under TLS, records and acknowledgements travel in
    /// sealed frames after the verdict (1 kept them in TLS).
    /// </summary>
    public const ushort Version = 3;

    /// <summary>The most bytes one fetch request may ask for.</summary>
    public const int MaxFetchSize = 1 << 20;

    /// <summary>The largest sync point a hello may carry: a record with a 64 KiB payload is far above any header.</summary>
    public const int MaxSyncPointSize = 64 * 1024;

    /// <summary>The longest refusal message.</summary>
    public const int MaxMessageSize = 1024;

    /// <summary>How long a peer may take over its part of the handshake before it is disconnected.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The target acknowledges at least this often, so a source can tell a silent link from an idle one.</summary>
    public static readonly TimeSpan AckInterval = TimeSpan.FromSeconds(1);

    /// <summary>A source that hears nothing for this long drops the connection and reconnects.</summary>
    public static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(10);
}
