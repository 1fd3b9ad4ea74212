using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vellum.Host;
using Vellum.Testing;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// `vellum cat --at` and `vellum ls --at` through the real program against what a journaled
/// mount of a pre-populated directory showed: after each step a script copies the file and
/// lists the directory through the mount, then creates a marker whose transaction (and time)
/// is the step's moment.
/// </summary>
public sealed class CatAndLsAtTests
{
    private static readonly string[] Steps =
    [
        "",
        "printf 'new file\\n' > work/n.txt; chmod 600 work/keep.txt",
        "mv work/n.txt work/renamed.txt; mkdir work/d2; printf 'XY' | dd of=work/keep.txt bs=1 seek=2 conv=notrunc status=none",
        "truncate -s 9000 work/keep.txt; ln -s keep.txt work/link",
        "rm work/doomed.txt; rm -r work/sub; printf 'end' >> work/keep.txt",
        "echo late > work/late.txt; truncate -s 4 work/keep.txt",
    ];

    [Fact]
    public void Cat_and_ls_at_each_recorded_moment_by_txid_and_by_time_show_what_the_mount_showed_then_and_deleted_lists_exactly_what_is_gone()
    {
        using var workspace = new Workspace();
        var work = Directory.CreateDirectory(Path.Combine(workspace.Backing, "work", "sub")).Parent!.FullName;
        File.WriteAllText(Path.Combine(work, "keep.txt"), "kept since before the mount\n");
        File.WriteAllText(Path.Combine(work, "doomed.txt"), "deleted later\n");
        File.WriteAllText(Path.Combine(work, "sub", "inner"), "inside\n");
        var copies = Directory.CreateDirectory(Path.Combine(workspace.Root, "copies")).FullName;
        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), workspace.Log.Text);
            for (var step = 0; step < Steps.Length; step++)
            {
                Run(workspace.MountPoint, $"{Steps[step]}\ncp work/keep.txt {copies}/keep-{step}\n(cd work && stat -c '%n|%F|%a|%s' * | sort) > {copies}/ls-{step}\ntouch mark-{step}");
            }
        }

        for (var step = 0; step < Steps.Length; step++)
        {
            var mark = JsonDocument.Parse(Vellum.Run("history", workspace.Journal, $"mark-{step}", "--json").Output.Split('\n')[0]).RootElement;
            var txid = $"txid:{mark.GetProperty("transid").GetUInt64()}";
            var time = mark.GetProperty("time").GetString()!;
            foreach (var moment in new[] { txid, time })
            {
                var cat = RunBytes("cat", workspace.Journal, "work/keep.txt", "--at", moment);
                Assert.Equal(File.ReadAllBytes(Path.Combine(copies, $"keep-{step}")), cat);
                var ls = Vellum.Run("ls", workspace.Journal, "work", "--at", moment, "--json");
                Assert.True(ls.ExitCode == 0, ls.ToString());
                Assert.Contains($"is {txid} (", ls.Error, StringComparison.Ordinal);
                var shown = File.ReadAllText(Path.Combine(copies, $"ls-{step}")).TrimEnd('\n').Split('\n').Select(WithoutDirectorySize);
                Assert.Equal(string.Join('\n', shown), string.Join('\n', ls.Output.TrimEnd('\n').Split('\n').Select(Stat).Select(WithoutDirectorySize)));
            }
        }

        var first = JsonDocument.Parse(Vellum.Run("history", workspace.Journal, "mark-0", "--json").Output.Split('\n')[0]).RootElement.GetProperty("transid").GetUInt64();
        var deleted = Vellum.Run("ls", workspace.Journal, "work", "--at", $"txid:{first}", "--deleted", "-R", "--json");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal(["work/doomed.txt", "work/sub", "work/sub/inner"], deleted.Output.TrimEnd('\n').Split('\n').Select(line => JsonDocument.Parse(line).RootElement.GetProperty("path").GetString()));

        var missing = Vellum.Run("cat", workspace.Journal, "work/n.txt", "--at", $"txid:{first}");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("work/n.txt did not exist at", missing.Error, StringComparison.Ordinal);
        Assert.Contains("which removed or renamed it", missing.Error, StringComparison.Ordinal);
        var directory = Vellum.Run("cat", workspace.Journal, "work", "--at", $"txid:{first}");
        Assert.Equal(1, directory.ExitCode);
        Assert.Contains("was a directory", directory.Error, StringComparison.Ordinal);
        Assert.Contains(" ls ", directory.Error, StringComparison.Ordinal);
    }

    /// <summary>A directory's size is its filesystem's (4096 here), which the journal does not record for every directory.</summary>
    private static string WithoutDirectorySize(string line) => line.Contains("|directory|", StringComparison.Ordinal) ? line[..line.LastIndexOf('|')] : line;

    /// <summary>An `ls --json` line as `stat -c '%n|%F|%a|%s'` prints it.</summary>
    private static string Stat(string line)
    {
        var entry = JsonDocument.Parse(line).RootElement;
        var size = entry.GetProperty("size").GetUInt64();
        var type = entry.GetProperty("type").GetString() switch
        {
            "dir" => "directory",
            "symlink" => "symbolic link",
            _ => size == 0 ? "regular empty file" : "regular file",
        };
        var name = entry.GetProperty("path").GetString()!["work/".Length..];
        var mode = Convert.ToString(Convert.ToInt32(entry.GetProperty("mode").GetString(), 8), 8);
        return string.Create(CultureInfo.InvariantCulture, $"{name}|{type}|{mode}|{size}");
    }

    private static void Run(string directory, string script)
    {
        using var shell = Process.Start(new ProcessStartInfo("bash", ["-euc", script]) { WorkingDirectory = directory, RedirectStandardError = true, UseShellExecute = false })!;
        var error = shell.StandardError.ReadToEnd();
        Assert.True(shell.WaitForExit(Workspace.Patience) && shell.ExitCode == 0, $"{script}\n{error}");
    }

    /// <summary>`vellum ARGS`'s stdout as bytes (cat's output need not be text).</summary>
    private static byte[] RunBytes(params string[] args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "vellum.dll");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path
            : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        using var child = Process.Start(new ProcessStartInfo(host, ["exec", program, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var error = child.StandardError.ReadToEndAsync();
        using var bytes = new MemoryStream();
        child.StandardOutput.BaseStream.CopyTo(bytes);
        Assert.True(child.WaitForExit(Workspace.Patience) && child.ExitCode == 0, $"vellum {string.Join(' ', args)}: exit {child.ExitCode}\n{error.Result}");
        return bytes.ToArray();
    }
}
