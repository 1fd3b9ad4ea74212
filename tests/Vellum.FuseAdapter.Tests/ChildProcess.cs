using System.Diagnostics;

namespace Vellum.FuseAdapter.Tests;

internal static class ChildProcess
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Starts `dotnet exec ASSEMBLY ARGS` (or, for a program that is not an assembly, the program) with its output captured.</summary>
    public static Process Start(string assembly, params string[] args)
    {
        var start = new ProcessStartInfo(
            assembly.EndsWith(".dll", StringComparison.Ordinal) ? DotnetHost : assembly,
            assembly.EndsWith(".dll", StringComparison.Ordinal) ? ["exec", assembly, .. args] : args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start)!;
    }

    /// <summary>Runs to the end and returns exit code and output.</summary>
    public static (int ExitCode, string Output, string Error) Run(string assembly, params string[] args)
    {
        using var child = Start(assembly, args);
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        Assert.True(child.WaitForExit(Patience), $"{assembly} {string.Join(' ', args)} did not finish");
        return (child.ExitCode, output.Result, error.Result);
    }

    public static string Vellum => Path.Combine(AppContext.BaseDirectory, "vellum.dll");

    public static string Self => typeof(ChildProcess).Assembly.Location;

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
