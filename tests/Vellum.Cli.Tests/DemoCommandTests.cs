using System.Diagnostics;

namespace Vellum.Cli.Tests;

/// <summary>
/// `vellum demo`, the README's first command, as a user runs it: it mounts, the mount takes
/// changes, and SIGTERM (what Ctrl-C does too) unmounts it and leaves a mirror equal to the
/// backing directory, the last changes before the signal included. The demo is stopped and
/// unmounted on every path out of the test.
/// </summary>
public sealed class DemoCommandTests
{
    [Fact]
    public void The_demo_mounts_takes_changes_and_on_sigterm_unmounts_with_the_mirror_complete()
    {
        var root = Directory.CreateTempSubdirectory("vellum-demo-test-").FullName;
        var workspace = Path.Combine(root, "workspace");
        var mountPoint = Path.Combine(workspace, "mnt");
        using var demo = Vellum.Start("demo", workspace);
        try
        {
            var guide = ReadGuide(demo);
            // The hints name the program as it was started here, to be copied as they are.
            Assert.Contains(guide, hint => hint.TrimStart().StartsWith($"dotnet {Vellum.Program} log {Path.Combine(workspace, "journal")}", StringComparison.Ordinal));

            Directory.CreateDirectory(Path.Combine(mountPoint, "d"));
            File.WriteAllText(Path.Combine(mountPoint, "hello.txt"), "hello");
            File.Move(Path.Combine(mountPoint, "hello.txt"), Path.Combine(mountPoint, "d", "hello.txt"));
            // Many changes right before the signal: the last of them are still on their way
            // to the mirror when the demo is told to stop.
            for (var i = 0; i < 200; i++)
                File.WriteAllText(Path.Combine(mountPoint, "d", $"f{i}"), $"{i}");

            using (var kill = Process.Start("kill", ["-TERM", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                kill.WaitForExit();
            Assert.True(demo.WaitForExit(Vellum.Patience), "the demo did not stop on SIGTERM");
            Assert.Equal(0, demo.ExitCode);
            Assert.False(IsMounted(mountPoint), "the demo left its mount behind");

            var mirror = Path.Combine(workspace, "mirror");
            Assert.Equal("hello", File.ReadAllText(Path.Combine(mirror, "d", "hello.txt")));
            for (var i = 0; i < 200; i++)
                Assert.Equal($"{i}", File.ReadAllText(Path.Combine(mirror, "d", $"f{i}")));
            Assert.Equal(
                Directory.GetFileSystemEntries(Path.Combine(workspace, "backing"), "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Path.Combine(workspace, "backing"), p)).Order(),
                Directory.GetFileSystemEntries(mirror, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(mirror, p)).Order());
        }
        finally
        {
            CleanUp(demo, mountPoint, root);
        }
    }

    [Fact]
    public void The_demos_time_travel_hints_run_as_printed_give_the_deleted_file_back()
    {
        var root = Directory.CreateTempSubdirectory("vellum-demo-test-").FullName;
        var workspace = Path.Combine(root, "workspace");
        var mountPoint = Path.Combine(workspace, "mnt");
        using var demo = Vellum.Start("demo", workspace);
        try
        {
            var guide = ReadGuide(demo);
            // The hints under "Get a file back", pasted into a shell as they are.
            var hints = guide.SkipWhile(hint => !hint.StartsWith("Get a file back", StringComparison.Ordinal)).Skip(1)
                .TakeWhile(hint => hint.Trim().Length > 0).Select(hint => hint.Trim()).ToList();
            Assert.True(hints.Count == 5, $"the time travel hints:\n{string.Join('\n', guide)}");
            Assert.Contains(hints, hint => hint.StartsWith($"dotnet {Vellum.Program} restore {Path.Combine(workspace, "journal")} --at", StringComparison.Ordinal));
            Assert.DoesNotContain(hints, hint => hint.Contains("vellum cat", StringComparison.Ordinal));
            var shell = Vellum.Run(new ProcessStartInfo("sh", ["-e", "-c", string.Join('\n', hints)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            var said = $"the hints:\n{string.Join('\n', hints)}\n{shell}";
            Assert.True(shell.ExitCode == 0, said);
            Assert.False(File.Exists(Path.Combine(mountPoint, "notes.txt")), said);
            Assert.Equal("first draft\n", File.ReadAllText(Path.Combine(workspace, "restored", "notes.txt")));
            Assert.Equal("first draft", shell.Output[^1]);
            Assert.Contains(shell.Output, output => output.Contains(" unlink ", StringComparison.Ordinal) && output.Contains("notes.txt", StringComparison.Ordinal));
            Assert.Contains("D   notes.txt", shell.Output);
        }
        finally
        {
            CleanUp(demo, mountPoint, root);
        }
    }

    [Fact]
    public void Under_umask_0_the_demo_makes_no_directory_group_or_world_writable()
    {
        var root = Directory.CreateTempSubdirectory("vellum-demo-test-").FullName;
        var workspace = Path.Combine(root, "workspace");
        var mountPoint = Path.Combine(workspace, "mnt");
        using var demo = Process.Start(new ProcessStartInfo("sh", ["-c", "umask 0 && exec \"$0\" exec \"$1\" demo \"$2\"", Vellum.DotnetHost, Vellum.Program, workspace])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            string? line;
            var clock = Stopwatch.StartNew();
            while ((line = ReadLine(demo, clock)) is not null && !line.Contains("Ctrl-C unmounts cleanly", StringComparison.Ordinal))
            {
            }
            if (line is null)
                Assert.Fail($"the demo ended before it said it was mounted: {demo.StandardError.ReadToEnd()}");
            Directory.CreateDirectory(Path.Combine(mountPoint, "d"));
            var mirror = Path.Combine(workspace, "mirror");
            var seen = Stopwatch.StartNew();
            while (!Directory.Exists(Path.Combine(mirror, "d")))
            {
                Assert.True(seen.Elapsed < Vellum.Patience, "the mirror never showed d");
                Thread.Sleep(20);
            }

            // The journal's directory and files are made by the mount, owner-only whatever the umask (not the demo's part).
            foreach (var directory in new[] { workspace, Path.Combine(workspace, "backing"), mountPoint, mirror })
            {
                var mode = File.GetUnixFileMode(directory);
                Assert.True((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0, $"{directory} is {mode}");
            }
            using (var kill = Process.Start("kill", ["-TERM", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                kill.WaitForExit();
            Assert.True(demo.WaitForExit(Vellum.Patience), "the demo did not stop on SIGTERM");
        }
        finally
        {
            CleanUp(demo, mountPoint, root);
        }
    }

    /// <summary>Whatever the test did: the demo stopped, its mount gone, its directory removed.</summary>
    private static void CleanUp(Process demo, string mountPoint, string root)
    {
        if (!demo.HasExited)
        {
            demo.Kill();
            demo.WaitForExit();
        }
        if (IsMounted(mountPoint))
            Process.Start("umount", ["-l", mountPoint])!.WaitForExit();
        Directory.Delete(root, recursive: true);
    }

    /// <summary>What the demo prints up to "Ctrl-C unmounts cleanly": it is mounted then.</summary>
    private static List<string> ReadGuide(Process demo)
    {
        string? line;
        var guide = new List<string>();
        var clock = Stopwatch.StartNew();
        while ((line = ReadLine(demo, clock)) is not null && !line.Contains("Ctrl-C unmounts cleanly", StringComparison.Ordinal))
            guide.Add(line);
        if (line is null)
            Assert.Fail($"the demo ended before it said it was mounted: {demo.StandardError.ReadToEnd()}");
        return guide;
    }

    private static string? ReadLine(Process demo, Stopwatch clock)
    {
        var next = demo.StandardOutput.ReadLineAsync();
        Assert.True(next.Wait(Vellum.Patience - clock.Elapsed > TimeSpan.Zero ? Vellum.Patience - clock.Elapsed : TimeSpan.Zero), "the demo printed nothing for too long");
        return next.Result;
    }

    private static bool IsMounted(string path) =>
        File.ReadLines("/proc/self/mountinfo").Any(line => line.Split(' ')[4] == path);
}
