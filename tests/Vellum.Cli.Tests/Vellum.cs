using System.Diagnostics;

namespace Vellum.Cli.Tests;

/// <summary>The real `vellum` program, run as a child process.</summary>
internal static class Vellum
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>vellum.dll, copied next to the tests by the project reference.</summary>
    public static string Program => Path.Combine(AppContext.BaseDirectory, "vellum.dll");

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    public static Process Start(params string[] args)
    {
        Assert.True(File.Exists(Program), $"{Program} is missing");
        var start = new ProcessStartInfo(DotnetHost, ["exec", Program, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start)!;
    }

    /// <summary>Runs `vellum ARGS` to the end: exit code, stdout lines, stderr lines.</summary>
    public static Result Run(params string[] args)
    {
        Assert.True(File.Exists(Program), $"{Program} is missing");
        return Run(new ProcessStartInfo(DotnetHost, ["exec", Program, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        });
    }

    /// <summary>Runs a command line that starts vellum (through setpriv, say) to the end.</summary>
    public static Result Run(ProcessStartInfo start)
    {
        using var child = Process.Start(start)!;
        var args = start.ArgumentList;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(Patience))
        {
            child.Kill();
            Assert.Fail($"vellum {string.Join(' ', args)} did not finish");
        }
        return new Result(child.ExitCode, Lines(output.Result), Lines(error.Result));
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The transaction id a text or JSON line starts with.</summary>
    public static ulong IdOf(string line) =>
        ulong.Parse(line.StartsWith('{') ? line["{\"transid\":".Length..line.IndexOf(',', StringComparison.Ordinal)] : line[..line.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
}

internal sealed record Result(int ExitCode, string[] Output, string[] Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{string.Join('\n', Output)}\nstderr:\n{string.Join('\n', Error)}";
}
