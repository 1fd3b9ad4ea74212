using System.Diagnostics;

namespace Vellum.Cli.Tests;

/// <summary>
/// scripts/vellum-completion.bash, sourced into bash and called as bash calls it on Tab:
/// it completes command names, options and option values from what the program lists.
/// </summary>
public sealed class CompletionTests
{
    /// <summary>The script, copied next to the tests by the project.</summary>
    private static string Script => Path.Combine(AppContext.BaseDirectory, "vellum-completion.bash");

    [Theory]
    [InlineData("vellum mo", "mount")]
    [InlineData("vellum mount /a /b --jou", "--journal")]
    [InlineData("vellum mount /a /b --sync r", "remote")]
    [InlineData("/usr/local/bin/vellum log --fo", "--follow")]
    public void Tab_completes_commands_options_and_values(string line, string expected)
    {
        var completions = Complete(line);

        Assert.Contains(expected, completions);
        Assert.All(completions, completion => Assert.StartsWith(line[(line.LastIndexOf(' ') + 1)..], completion, StringComparison.Ordinal));
    }

    [Fact]
    public void Tab_after_the_program_name_offers_every_command()
    {
        var completions = Complete("vellum ");

        foreach (var command in new[] { "demo", "mount", "serve", "umount", "log", "history", "cat", "ls", "restore", "diff", "rollback", "undo", "mirror", "status", "version", "help" })
            Assert.Contains(command, completions);
    }

    /// <summary>COMPREPLY for <paramref name="line"/> with the cursor at its end, one entry a line.</summary>
    private static string[] Complete(string line)
    {
        Assert.True(File.Exists(Script), $"{Script} is missing");
        var start = new ProcessStartInfo("bash", ["-c", """
            source "$1"
            COMP_LINE=$2
            COMP_POINT=${#COMP_LINE}
            read -r -a COMP_WORDS <<< "$COMP_LINE"
            [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            _vellum_complete
            printf '%s\n' "${COMPREPLY[@]}"
            """, "complete", Script, line])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["VELLUM_COMMAND"] = $"{Vellum.DotnetHost} exec {Vellum.Program}";
        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEndAsync();
        var error = bash.StandardError.ReadToEndAsync();
        Assert.True(bash.WaitForExit(Vellum.Patience), $"completing '{line}' did not finish");
        Assert.True(bash.ExitCode == 0, $"completing '{line}': {error.Result}");
        return Vellum.Lines(output.Result);
    }
}
