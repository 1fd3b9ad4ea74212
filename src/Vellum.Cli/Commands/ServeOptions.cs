using System.Net;

namespace Vellum.Cli.Commands;

/// <summary>The parsed command line of `vellum serve`.</summary>
internal sealed record ServeOptions(string Store, IPEndPoint Listen, string? Mirror, string Secrets, string? CertificateFile, string? KeyFile, bool Insecure)
{
    public static bool TryParse(IReadOnlyList<string> args, out ServeOptions? options, out string? error)
    {
        options = null;
        string? store = null, listen = null, mirror = null, secrets = null, certificate = null, key = null;
        var insecure = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--store" when i + 1 < args.Count:
                    store = args[++i];
                    break;
                case "--listen" when i + 1 < args.Count:
                    listen = args[++i];
                    break;
                case "--mirror" when i + 1 < args.Count:
                    mirror = args[++i];
                    break;
                case "--secrets" when i + 1 < args.Count:
                    secrets = args[++i];
                    break;
                case "--tls-cert" when i + 1 < args.Count:
                    certificate = args[++i];
                    break;
                case "--tls-key" when i + 1 < args.Count:
                    key = args[++i];
                    break;
                case "--insecure":
                    insecure = true;
                    break;
                default:
                    error = $"unknown option {args[i]} (or its value is missing)";
                    return false;
            }
        }
        if (store is null || listen is null || secrets is null)
        {
            error = "--store, --listen and --secrets are required";
            return false;
        }
        if (!IPEndPoint.TryParse(listen, out var endpoint) || endpoint.Port == 0 && !listen.EndsWith(":0", StringComparison.Ordinal))
        {
            error = $"--listen {listen}: expected ADDRESS:PORT, e.g. 127.0.0.1:7400 or [::]:7400";
            return false;
        }
        if ((certificate is null) != (key is null) || insecure && certificate is not null)
        {
            error = "--tls-cert and --tls-key go together, and not with --insecure";
            return false;
        }
        if (insecure && !IPAddress.IsLoopback(endpoint.Address))
        {
            error = $"--insecure listens on loopback only, not {endpoint.Address}: plain TCP would carry journals unprotected";
            return false;
        }
        options = new ServeOptions(Path.GetFullPath(store), endpoint, mirror is null ? null : Path.GetFullPath(mirror), secrets, certificate, key, insecure);
        error = null;
        return true;
    }
}
