namespace Vellum.Replication;

/// <summary>Constants of the replication protocol, version 4 (docs/replication.md).</summary>
public static class WireFormat
{
    /// <summary>First bytes of both sides' first message: ASCII "VLLMREP1".</summary>
    public static ReadOnlySpan<byte> Magic => "VLLMREP1"u8;

    /// <summary>First bytes of a fetch session's hello (a repair reading the target's copy): ASCII "VLLMFCH1".</summary>
    public static ReadOnlySpan<byte> FetchMagic => "VLLMFCH1"u8;

    /// <summary>
    /// The newest protocol version this side speaks. 4: fetch sessions (a repair reads ranges
    /// of the target's copy; replicating sessions are as in 3). 3: acknowledgements carry the
    /// target's state (its mirror, its disk) and the hello names the range of versions a source
    /// speaks; 2: under TLS, records and acknowledgements travel in sealed frames after the
    /// verdict (1 kept them in TLS).
    /// </summary>
    public const ushort Version = 4;

    /// <summary>The first version with fetch sessions: the oldest and newest a fetch hello names.</summary>
    public const ushort FetchVersion = 4;

    /// <summary>The most bytes one fetch request may ask for.</summary>
    public const int MaxFetchSize = 1 << 20;

    /// <summary>The oldest protocol version this side still speaks: a session of version 2 is version 3 without the target's state.</summary>
    public const ushort OldestVersion = 2;

    /// <summary>The first version whose acknowledgements carry the target's state (<see cref="TargetReport"/>).</summary>
    public const ushort TargetStateVersion = 3;

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
