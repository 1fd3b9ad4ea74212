using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Vellum.Recording.Tests;

/// <summary>
/// `vellum status` run by `nobody` against a mount root's daemon serves: the read-only status
/// is every user's to read; a kill -9 leaves the socket file, which answers nothing ("no
/// journaled vellum mount answers") until the next mount replaces it.
/// </summary>
public sealed class StatusSocketCommandTests
{
    [Fact]
    public void Nobody_reads_a_root_mounts_status_and_the_socket_file_a_kill_9_left_is_replaced_by_the_next_mount()
    {
        using var mount = JournaledMount.Start();
        // The name docs/ give: the first 32 hex digits of the SHA-256 of the mountpoint's full path.
        var socket = Path.Combine("/run/vellum/status", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(mount.MountPoint)))[..32]);
        Assert.True(File.Exists(socket), $"no status socket at {socket}");

        var text = StatusAsNobody(mount.MountPoint);
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.StartsWith($"mount        {mount.MountPoint}\n", text.Output, StringComparison.Ordinal);
        var json = StatusAsNobody(mount.MountPoint, "--json");
        Assert.True(json.ExitCode == 0, json.Error);
        Assert.Equal(mount.Status().GetProperty("journal_id").GetString(), JsonDocument.Parse(json.Output).RootElement.GetProperty("journal_id").GetString());

        mount.Kill();
        Assert.True(File.Exists(socket), "the killed daemon's socket file is gone: the test shows nothing");
        var dead = StatusAsNobody(mount.MountPoint);
        Assert.True(dead.ExitCode == 3, $"exit {dead.ExitCode}: {dead.Output}{dead.Error}");
        Assert.StartsWith($"vellum: no journaled vellum mount answers at {mount.MountPoint} ", dead.Error, StringComparison.Ordinal);

        mount.Mount();
        var again = StatusAsNobody(mount.MountPoint, "--json");
        Assert.True(again.ExitCode == 0, again.Error + mount.Log);
        Assert.Equal(mount.MountPoint, JsonDocument.Parse(again.Output).RootElement.GetProperty("mount_point").GetString());
    }

    /// <summary>`vellum status MOUNTPOINT MORE` as nobody: exit code, stdout, stderr.</summary>
    private static (int ExitCode, string Output, string Error) StatusAsNobody(string mountPoint, params string[] more)
    {
        var start = new ProcessStartInfo("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", JournaledMount.DotnetHost, "exec", JournaledMount.Program, "status", mountPoint, .. more])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["HOME"] = "/tmp";
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(JournaledMount.Patience))
        {
            child.Kill();
            Assert.Fail("vellum status as nobody did not finish");
        }
        return (child.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
