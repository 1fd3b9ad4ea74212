using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vellum.Cli.Tests;

/// <summary>--log-level chooses the least important lines on stderr: `vellum serve`'s lifecycle lines are information.</summary>
public sealed class LogLevelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-log-level-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(null, true)]
    [InlineData("information", true)]
    [InlineData("warning", false)]
    public async Task Serve_prints_its_lifecycle_lines_from_level_information(string? level, bool printed)
    {
        var secrets = Path.Combine(_root, "secrets");
        File.WriteAllText(secrets, "* a-secret-of-at-least-16-bytes\n");
        File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var port = FreePort();
        using var serve = Vellum.Start(["serve", "--store", Path.Combine(_root, "store"), "--listen", $"127.0.0.1:{port}", "--secrets", secrets, "--insecure",
            .. level is null ? Array.Empty<string>() : ["--log-level", level]]);
        var errors = serve.StandardError.ReadToEndAsync();
        try
        {
            WaitUntilListening(port, serve);
            using (var term = Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                term.WaitForExit();
            Assert.True(serve.WaitForExit(Vellum.Patience), "vellum serve did not stop on SIGTERM");
        }
        finally
        {
            if (!serve.HasExited)
                serve.Kill();
        }

        Assert.Equal(0, serve.ExitCode);
        var lines = Vellum.Lines(await errors);
        if (printed)
        {
            Assert.Contains(lines, line => line.StartsWith($"vellum serve: listening on 127.0.0.1:{port} (plain TCP, --insecure)", StringComparison.Ordinal));
            Assert.Equal("vellum serve: stopped", lines[^1]);
        }
        else
        {
            Assert.DoesNotContain(lines, line => line.Contains("listening on", StringComparison.Ordinal) || line.EndsWith(": stopped", StringComparison.Ordinal));
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static void WaitUntilListening(int port, Process serve)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(serve.HasExited, "vellum serve exited before it listened");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < Vellum.Patience)
            {
                // The next try in a moment: the port opens once the process has started.
                Thread.Sleep(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
