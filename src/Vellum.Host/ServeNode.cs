using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Vellum.Native;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Host;

/// <summary>
/// A replication target served in this process (`vellum serve`): receives journals from
/// replicating mounts, each into STORE/&lt;journal id&gt;, acknowledges what is durable there,
/// and with a mirror directory keeps MIRROR/&lt;journal id&gt; equal to each journal's source.
/// TLS with the certificate given, or one it creates in STORE/tls on first start. Serves from
/// <see cref="Start"/> until disposed.
/// </summary>
public sealed class ServeNode : IDisposable
{
    private readonly ILogger _logger;
    private readonly ReplicaJournals _journals;
    private readonly ReplicaMirrors? _mirrors;
    private readonly ReplicationServer _server;
    private readonly JournalScrubbers _scrubbers;
    private bool _disposed;

    private ServeNode(ReplicaJournals journals, ReplicaMirrors? mirrors, ReplicationServer server, JournalScrubbers scrubbers, string? fingerprint, ILogger logger)
    {
        _scrubbers = scrubbers;
        _journals = journals;
        _mirrors = mirrors;
        _server = server;
        Fingerprint = fingerprint;
        _logger = logger;
    }

    /// <summary>Where it listens (with the port the system picked when 0 was asked for).</summary>
    public IPEndPoint Endpoint => _server.Endpoint;

    /// <summary>Its certificate's fingerprint ("sha256:..."), for sources to pin; null over plain TCP.</summary>
    public string? Fingerprint { get; }

    /// <summary>The journals received so far.</summary>
    public IReadOnlyList<ReplicaJournal> Journals => _journals.Journals;

    /// <summary>What the scrub of a received journal knows (null before the journal is first received, or with the scrub off).</summary>
    public ScrubStatus? Scrub(Guid journalId) => _scrubbers.Status(journalId);

    /// <summary>The last transaction id applied to a journal's mirror (0 before any, or without mirrors).</summary>
    public ulong MirrorApplied(Guid journalId) => _mirrors?.Applied(journalId) ?? 0;

    /// <summary>A journal's mirror as the node reports it to the journal's source: none without mirrors, following, or stopped and why.</summary>
    public MirrorProgress Mirror(Guid journalId) => _mirrors?.Progress(journalId) ?? default;

    /// <summary>
    /// Why a journal's mirror does not apply, in words: what stopped it (a refused transaction,
    /// a damaged store), or the other writer of its replica it waits for; null while it runs or
    /// without --mirror.
    /// </summary>
    public string? MirrorProblem(Guid journalId) => _mirrors?.Problem(journalId);

    /// <exception cref="IOException">The secrets file, the store directory or the certificate could not be read or made.</exception>
    /// <exception cref="InvalidDataException">The secrets file is malformed or not private.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be listened on.</exception>
    public static ServeNode Start(ServeNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loggers = options.LoggerFactory;
        var logger = loggers.CreateLogger<ServeNode>();
        var secrets = SecretBook.Load(options.SecretsFile);
        var shared = StorePrivacy.PrepareForWriting(options.StoreDirectory, "the store", options.AllowSharedJournal, IsServerCertificate);
        if (shared.IsShared)
            HostLog.SharedStore(logger, StorePrivacy.Warning(shared, "the store"));
        var certificate = Certificate(options, logger);
        if (options.MirrorDirectory is { } mirrorDirectory)
        {
            // Users reach their files' replicas through it, whose own modes then decide, as on
            // the source: 0755 when the node makes it; one that exists is the operator's choice.
            ExactDirectory.Create(mirrorDirectory, ExactDirectory.Shared);
        }
        var mirrors = options.MirrorDirectory is null ? null : new ReplicaMirrors(options.MirrorDirectory, options.StoreDirectory, loggers);
        // Without a mirror nothing reads a journal as it arrives: its bytes need not stay in memory.
        var journals = new ReplicaJournals(options.StoreDirectory) { DropBehind = mirrors is null };
        if (mirrors is not null)
            journals.Opened += mirrors.Follow;
        var scrubbers = new JournalScrubbers(options.ScrubInterval, logger);
        journals.Opened += scrubbers.Scrub;
        var server = new ReplicationServer(journals, new ReplicationServerOptions(options.Listen, certificate, secrets)
        {
            Mirror = id => mirrors?.Progress(id) ?? default,
        }, loggers);
        try
        {
            server.Start();
        }
        catch
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            scrubbers.Dispose();
            journals.Dispose();
            mirrors?.Dispose();
            throw;
        }
        var fingerprint = certificate is null ? null : ServerCertificate.Fingerprint(certificate);
        HostLog.Listening(logger, server.Endpoint.ToString(), fingerprint is null ? "plain TCP, --insecure" : $"TLS, certificate {fingerprint}",
            options.StoreDirectory, options.MirrorDirectory is null ? "" : $", mirrors in {options.MirrorDirectory}");
        return new ServeNode(journals, mirrors, server, scrubbers, fingerprint, logger);
    }

    /// <summary>The generated certificate (DIR/tls/cert.pem) is public by nature: sources pin it; its key beside it is not.</summary>
    private static bool IsServerCertificate(string path) =>
        Path.GetFileName(path) == ServerCertificate.CertificateFileName && Path.GetFileName(Path.GetDirectoryName(path)) == "tls";

    private static X509Certificate2? Certificate(ServeNodeOptions options, ILogger logger)
    {
        if (options.Insecure)
            return null;
        if (options.CertificateFile is { } certificate)
            return ServerCertificate.Load(certificate, options.KeyFile ?? throw new ArgumentException("a certificate file needs its key file", nameof(options)));
        var directory = Path.Combine(options.StoreDirectory, "tls");
        var created = ServerCertificate.LoadOrCreate(directory, out var isNew);
        if (isNew)
            HostLog.CertificateCreated(logger, directory);
        return created;
    }

    /// <summary>Stops listening and ends every session, then stops the mirrors and closes the journals.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _mirrors?.Dispose();
        _scrubbers.Dispose();
        _journals.Dispose();
        HostLog.ServeStopped(_logger);
    }
}
