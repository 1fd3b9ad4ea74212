using System.Diagnostics;

namespace Vellum.Programs.Tests;

/// <summary>What one program run gave: exit code and both outputs.</summary>
internal sealed record ProgramResult(int ExitCode, string Output, string Error);

/// <summary>Runs a real program as a child process, with a deadline after which its whole process tree is killed.</summary>
internal static class ProgramRun
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Programs from the distribution only (no pyenv shims nor /usr/local), a fixed locale and
    /// zone, and git with a fixed identity and dates: the same run gives the same bytes anywhere.
    /// </summary>
    public static Dictionary<string, string> Environment(string home, string temp) => new()
    {
        ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin",
        ["HOME"] = home,
        ["TMPDIR"] = temp,
        ["LC_ALL"] = "C",
        ["TZ"] = "UTC",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_AUTHOR_NAME"] = "Vellum Test",
        ["GIT_AUTHOR_EMAIL"] = "test@vellum.invalid",
        ["GIT_AUTHOR_DATE"] = "2001-02-03T04:05:06Z",
        ["GIT_COMMITTER_NAME"] = "Vellum Test",
        ["GIT_COMMITTER_EMAIL"] = "test@vellum.invalid",
        ["GIT_COMMITTER_DATE"] = "2001-02-03T04:05:06Z",
    };

    public static ProgramResult Run(string program, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var child = Process.Start(start)!;
        child.StandardInput.Close();
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(Deadline))
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {Deadline.TotalSeconds} s:\n"
                + $"{output.GetAwaiter().GetResult()}\n{error.GetAwaiter().GetResult()}");
        }
        child.WaitForExit();
        return new ProgramResult(child.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
