using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vellum.Host;

/// <summary>What a <see cref="ServeNode"/> listens on, where it keeps what it receives, and whom it trusts.</summary>
public sealed record ServeNodeOptions
{
    /// <summary>Where each received journal is kept, as DIR/&lt;journal id&gt; (created if missing).</summary>
    public required string StoreDirectory { get; init; }

    /// <summary>The address and port to listen on (port 0: one the system picks, see <see cref="ServeNode.Endpoint"/>).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The secrets file: lines 'JOURNAL-UUID SECRET' or '* SECRET', mode 0600.</summary>
    public required string SecretsFile { get; init; }

    /// <summary>Where to keep MIRROR/&lt;journal id&gt; equal to each journal's source directory; null for no mirrors.</summary>
    public string? MirrorDirectory { get; init; }

    /// <summary>The TLS certificate and its key (PEM); without them a self-signed one is made in STORE/tls (or kept from an earlier start).</summary>
    public string? CertificateFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>Plain TCP instead of TLS (for loopback).</summary>
    public bool Insecure { get; init; }

    /// <summary>How often each received journal's sealed segments are re-read and verified (the first pass starts when the journal is first received); zero: never.</summary>
    public TimeSpan ScrubInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Use a store directory whose modes or ACLs let other users in as it is, with a warning at
    /// every start, instead of refusing it (--allow-shared-journal; see <see cref="Store.StorePrivacy"/>).
    /// </summary>
    public bool AllowSharedJournal { get; init; }

    /// <summary>Where the node and its sessions log.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
