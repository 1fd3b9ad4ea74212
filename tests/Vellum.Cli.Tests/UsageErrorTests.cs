namespace Vellum.Cli.Tests;

/// <summary>
/// A command line that does not parse gets one line on stderr, in words, naming what was
/// wrong and, for a mistyped command or option, the one most likely meant; exit code 1.
/// </summary>
public sealed class UsageErrorTests
{
    [Theory]
    [InlineData("mout /a /b", "vellum: unknown command 'mout'; did you mean 'mount'?")]
    [InlineData("log /a --jsn", "vellum log: unknown option --jsn; did you mean --json?")]
    [InlineData("log --jsn", "vellum log: unknown option --jsn; did you mean --json?")]
    [InlineData("mount /a /b --jurnal /j", "vellum: unknown option --jurnal; did you mean --journal?")]
    [InlineData("serve --store /s --listen 127.0.0.1:7400 --secrets /f --mirorr /m", "vellum serve: unknown option --mirorr; did you mean --mirror?")]
    [InlineData("status /m --log-levl debug", "vellum: unknown option --log-levl; did you mean --log-level?")]
    public void A_mistyped_command_or_option_is_named_with_the_one_meant(string commandLine, string expected)
    {
        var result = Vellum.Run(commandLine.Split(' '));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Empty(result.Output);
        Assert.StartsWith(expected, Assert.Single(result.Error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mount /a", "vellum: MOUNTPOINT is missing")]
    [InlineData("mount /a /b --sync always", "vellum: --sync always: the modes are none, local and remote")]
    [InlineData("mount /a /b --no-journal --reversible", "vellum: --no-journal cannot be combined with --journal or --reversible")]
    [InlineData("mount /a /b --sync remote", "vellum: --sync remote waits for replication targets")]
    [InlineData("mount /a /b --defer-backing-sync soon", "vellum: --defer-backing-sync soon: give seconds from 0")]
    [InlineData("serve --store /s --listen here --secrets /f", "vellum serve: --listen here: expected ADDRESS:PORT")]
    [InlineData("serve --listen 127.0.0.1:7400 --secrets /f", "vellum serve: --store DIR is required")]
    [InlineData("serve --store /s --listen 0.0.0.0:7400 --secrets /f --insecure", "vellum serve: --insecure listens on loopback only")]
    [InlineData("mirror --store /s", "vellum mirror: --to REPLICA is required")]
    [InlineData("umount", "vellum: MOUNTPOINT is missing")]
    [InlineData("umount /a /b", "vellum: unexpected argument '/b'")]
    [InlineData("status /m --log-level loud", "vellum: --log-level loud: choose trace, debug, information, warning or error")]
    public void A_wrong_command_line_is_one_line_naming_the_problem_and_exits_1(string commandLine, string expected)
    {
        var result = Vellum.Run(commandLine.Split(' '));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Empty(result.Output);
        Assert.StartsWith(expected, Assert.Single(result.Error), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_wins_over_a_wrong_command_line_and_umount_help_looks_for_no_mount()
    {
        var result = Vellum.Run("umount", "--help");
        var withMistake = Vellum.Run("log", "--bogus", "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.Output, line => line.Contains("vellum umount <MOUNTPOINT>", StringComparison.Ordinal));
        Assert.True(withMistake.ExitCode == 0, withMistake.ToString());
        Assert.Contains("Examples:", withMistake.Output);
    }
}
