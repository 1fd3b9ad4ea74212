using System.Diagnostics;

namespace Vellum.Testing;

/// <summary>
/// Runs a command as the unprivileged user `nobody` (setpriv: its uid, its group, no
/// supplementary groups), as a local user other than the daemon's would try it.
/// </summary>
public static class Unprivileged
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="command"/> as nobody; its exit code and what it wrote to stdout and stderr.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] command)
    {
        var start = new ProcessStartInfo("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", .. command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/", // a directory nobody may be in
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Patience))
        {
            process.Kill();
            throw new TimeoutException($"as nobody, {string.Join(' ', command)} did not finish within {Patience.TotalSeconds:0} s");
        }
        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
