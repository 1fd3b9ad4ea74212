namespace Vellum.Cli.Tests;

/// <summary>
/// The help a user finds: `vellum CMD --help`, `vellum help CMD` and `vellum CMD -h` give the
/// same text with a description and examples for every command; bare `vellum` is a usage
/// error that shows the help on stderr; --version and `vellum version` agree.
/// </summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands => ["mount", "umount", "serve", "status", "log", "history", "cat", "ls", "restore", "diff", "rollback", "undo", "mirror", "demo", "version", "help"];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_shows_its_help_with_examples_in_three_ways(string command)
    {
        var option = Vellum.Run(command, "--help");
        var helpCommand = Vellum.Run("help", command);
        var shortOption = Vellum.Run(command, "-h");

        Assert.True(option.ExitCode == 0, option.ToString());
        Assert.Empty(option.Error);
        Assert.Contains("Usage:", option.Output);
        Assert.Contains(option.Output, line => line.Trim().StartsWith($"vellum {command}", StringComparison.Ordinal));
        Assert.Contains("Examples:", option.Output);
        Assert.Contains(option.Output, line => line.StartsWith($"  vellum {command}", StringComparison.Ordinal));
        Assert.Equal(option, helpCommand, ResultComparer.Instance);
        Assert.Equal(option, shortOption, ResultComparer.Instance);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    [InlineData("-h")]
    public void The_program_help_lists_every_command_and_the_exit_codes(string asked)
    {
        var result = Vellum.Run(asked);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        foreach (var command in Commands)
            Assert.Contains(result.Output, line => line.TrimStart().StartsWith(command + " ", StringComparison.Ordinal));
        Assert.Contains("Exit codes:", result.Output);
        Assert.Contains(result.Output, line => line.TrimStart().StartsWith("--log-level", StringComparison.Ordinal));
    }

    [Fact]
    public void Bare_vellum_shows_the_help_on_stderr_and_exits_1()
    {
        var result = Vellum.Run();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Empty(result.Output);
        Assert.Contains("Usage:", result.Error);
        Assert.Contains(result.Error, line => line.TrimStart().StartsWith("mount ", StringComparison.Ordinal));
    }

    [Fact]
    public void Version_option_and_version_command_print_the_program_and_journal_format_versions()
    {
        var option = Vellum.Run("--version");
        var command = Vellum.Run("version");

        Assert.True(option.ExitCode == 0, option.ToString());
        var line = Assert.Single(option.Output);
        Assert.Matches(@"^vellum \d+\.\d+\.\d+\.\d+ \(writes journal format \d+, reads formats \d+ to \d+\)$", line);
        Assert.Equal(option, command, ResultComparer.Instance);
    }

    [Fact]
    public void Help_of_a_command_that_does_not_exist_suggests_the_one_meant_and_exits_1()
    {
        var result = Vellum.Run("help", "mirorr");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("did you mean 'mirror'?", Assert.Single(result.Error), StringComparison.Ordinal);
    }

    /// <summary>Exit code and both outputs, line by line.</summary>
    private sealed class ResultComparer : IEqualityComparer<Result>
    {
        public static readonly ResultComparer Instance = new();

        public bool Equals(Result? x, Result? y) =>
            x is not null && y is not null && x.ExitCode == y.ExitCode && x.Output.SequenceEqual(y.Output) && x.Error.SequenceEqual(y.Error);

        public int GetHashCode(Result obj) => obj.ExitCode;
    }
}
