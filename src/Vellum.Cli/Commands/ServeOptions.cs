using System.Net;

namespace Vellum.Cli.Commands;

/// <summary>The parsed command line of `vellum serve`.</summary>
internal sealed record ServeOptions(string Store, IPEndPoint Listen, string? Mirror, string Secrets, string? CertificateFile, string? KeyFile, bool Insecure)
{
    /// <summary>--scrub-interval DURATION: how often each received journal's sealed segments are verified; zero: never.</summary>
    public TimeSpan ScrubInterval { get; init; } = ScrubIntervalOption.Default;

    /// <summary>--allow-shared-journal: use a store other users may access, with a warning, instead of refusing it.</summary>
    public bool AllowSharedJournal { get; init; }

    /// <summary>The options as given, their combinations checked and the paths made absolute.</summary>
    /// <exception cref="CommandFailure">Options that do not go together (usage).</exception>
    public static ServeOptions Create(string store, IPEndPoint listen, string? mirror, string secrets, string? certificate, string? key, bool insecure)
    {
        if ((certificate is null) != (key is null) || insecure && certificate is not null)
            throw CommandFailure.Usage("--tls-cert and --tls-key go together, and not with --insecure");
        if (insecure && !IPAddress.IsLoopback(listen.Address))
            throw CommandFailure.Usage($"--insecure listens on loopback only, not {listen.Address}: plain TCP would carry journals unprotected");
        return new ServeOptions(Path.GetFullPath(store), listen, mirror is null ? null : Path.GetFullPath(mirror), Path.GetFullPath(secrets),
            certificate is null ? null : Path.GetFullPath(certificate), key is null ? null : Path.GetFullPath(key), insecure);
    }
}
