using System.Diagnostics;

namespace Vellum.Replication.Tests;

/// <summary>
/// One `vellum` child process (`dotnet exec vellum.dll ...`) with its stderr collected line by
/// line, so a test can wait for a given line (its readiness report) without polling.
/// </summary>
internal sealed class VellumProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private bool _ended;

    private VellumProcess(Process process) => _process = process;

    public static string Program => Path.Combine(AppContext.BaseDirectory, "vellum.dll");

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Every stderr line so far.</summary>
    public string[] Lines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }

    /// <param name="umask">
    /// The process umask to start it with (a shell sets it, then becomes vellum): the umask is a
    /// whole process's, so a test cannot set it for one child from its own process. Null: this
    /// process's.
    /// </param>
    public static VellumProcess Start(IEnumerable<string> args, uint? umask = null)
    {
        var start = umask is { } mask
            ? new ProcessStartInfo("/bin/sh", ["-c", $"umask {Convert.ToString(mask, 8)} && exec \"$0\" \"$@\"", DotnetHost, "exec", Program, .. args])
            : new ProcessStartInfo(DotnetHost, ["exec", Program, .. args]);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var child = new VellumProcess(process);
        process.ErrorDataReceived += (_, line) => child.Add(line.Data);
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return child;
    }

    private void Add(string? line)
    {
        lock (_lines)
        {
            if (line is null)
                _ended = true;
            else
                _lines.Add(line);
            Monitor.PulseAll(_lines);
        }
    }

    /// <summary>
    /// The first stderr line <paramref name="match"/> accepts; null when stderr ends (the process
    /// exited) or <paramref name="timeout"/> passes first.
    /// </summary>
    public string? WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        lock (_lines)
        {
            for (var next = 0; ; )
            {
                for (; next < _lines.Count; next++)
                {
                    if (match(_lines[next]))
                        return _lines[next];
                }
                var left = timeout - clock.Elapsed;
                if (_ended || left <= TimeSpan.Zero)
                    return null;
                Monitor.Wait(_lines, left);
            }
        }
    }

    /// <summary>SIGKILL, then waits for the process (and its stderr) to end.</summary>
    public void Kill(TimeSpan patience)
    {
        if (!_process.HasExited)
            _process.Kill();
        if (!_process.WaitForExit(patience))
            throw new InvalidOperationException($"vellum process {_process.Id} did not exit after SIGKILL");
        _process.WaitForExit();
    }

    /// <summary>The exit code once the process ended, null after <paramref name="patience"/>.</summary>
    public int? WaitForExit(TimeSpan patience)
    {
        if (!_process.WaitForExit(patience))
            return null;
        // The parameterless wait also drains the redirected streams.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
