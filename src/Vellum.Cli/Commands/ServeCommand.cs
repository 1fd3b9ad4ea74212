using System.Net.Sockets;
using System.Runtime.InteropServices;
using Vellum.Host;

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
            using var stop = new ManualResetEventSlim();
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Set(); });
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Set(); });
            using var log = new StderrLog("vellum serve");
            using var node = ServeNode.Start(new ServeNodeOptions
            {
                StoreDirectory = options.Store,
                Listen = options.Listen,
                SecretsFile = options.Secrets,
                MirrorDirectory = options.Mirror,
                CertificateFile = options.CertificateFile,
                KeyFile = options.KeyFile,
                Insecure = options.Insecure,
                LoggerFactory = log,
            });
            stop.Wait();
            return 0;
        }
        catch (Exception failure) when (failure is IOException or SocketException or InvalidDataException or FormatException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return Cli.Fail(failure.Message);
        }
    }
}
