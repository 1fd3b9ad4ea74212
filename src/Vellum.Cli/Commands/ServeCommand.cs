using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Vellum.Replication;
using Vellum.Replication.Security;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum serve --store DIR --listen HOST:PORT --secrets FILE [--mirror DIR]`: receives
/// journals from `vellum mount --replicate`, each into DIR/&lt;journal id&gt;, acknowledging
/// what is durable, until SIGINT or SIGTERM. TLS with the certificate given, or one it
/// creates in DIR/tls on first start (its fingerprint printed for sources to pin).
/// </summary>
internal static class ServeCommand
{
    public const string Usage = "vellum serve --store DIR --listen HOST:PORT --secrets FILE [--mirror DIR] [--tls-cert FILE --tls-key FILE | --insecure]";

    public static int Run(IReadOnlyList<string> args)
    {
        if (!ServeOptions.TryParse(args, out var options, out var error))
            return Cli.Fail($"{error}; usage: {Usage}");
        if (!File.Exists(options!.Secrets))
            return Cli.Fail($"--secrets {options.Secrets}: no such file; it lists each journal's secret as lines 'JOURNAL-UUID SECRET' or '* SECRET', mode 0600");
        try
        {
            var secrets = SecretBook.Load(options.Secrets);
            Directory.CreateDirectory(options.Store);
            var certificate = Certificate(options);
            var log = new Action<string>(line => Console.Error.WriteLine($"vellum serve: {line}"));
            using var mirrors = options.Mirror is null ? null : new ReplicaMirrors(options.Mirror, log);
            // Without a mirror nothing reads a journal as it arrives: its bytes need not stay in memory.
            using var journals = new ReplicaJournals(options.Store) { DropBehind = options.Mirror is null };
            if (mirrors is not null)
                journals.Opened += mirrors.Follow;
            var server = new ReplicationServer(journals, new ReplicationServerOptions(options.Listen, certificate, secrets)
            {
                Applied = id => mirrors?.Applied(id) ?? 0,
            }, new LineLogger(log));
            using var stop = new ManualResetEventSlim();
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Set(); });
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Set(); });
            server.Start();
            log($"listening on {server.Endpoint} ({(certificate is null ? "plain TCP, --insecure" : $"TLS, certificate {ServerCertificate.Fingerprint(certificate)}")}); journals in {options.Store}{(options.Mirror is null ? "" : $", mirrors in {options.Mirror}")}");
            stop.Wait();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            log("stopped");
            return 0;
        }
        catch (Exception failure) when (failure is IOException or SocketException or InvalidDataException or FormatException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return Cli.Fail(failure.Message);
        }
    }

    private static X509Certificate2? Certificate(ServeOptions options)
    {
        if (options.Insecure)
            return null;
        if (options.CertificateFile is { } certificate)
            return ServerCertificate.Load(certificate, options.KeyFile!);
        var directory = Path.Combine(options.Store, "tls");
        var created = ServerCertificate.LoadOrCreate(directory, out var isNew);
        if (isNew)
            Console.Error.WriteLine($"vellum serve: created a self-signed certificate in {directory}");
        return created;
    }
}
