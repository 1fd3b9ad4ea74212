using System.Diagnostics;

namespace Vellum.TimeTravel.Tests;

/// <summary>The real `vellum` program, run as a child process.</summary>
internal static class Vellum
{
    /// <summary>Runs `vellum ARGS` to the end.</summary>
    public static Result Run(params string[] args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "vellum.dll");
        Assert.True(File.Exists(program), $"{program} is missing");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path
            : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        using var child = Process.Start(new ProcessStartInfo(host, ["exec", program, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(Workspace.Patience))
        {
            child.Kill();
            Assert.Fail($"vellum {string.Join(' ', args)} did not finish");
        }
        return new Result(child.ExitCode, output.Result, error.Result);
    }
}

internal sealed record Result(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
