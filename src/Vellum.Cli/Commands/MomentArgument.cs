using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>The MOMENT of an option (--at, --to, --from): parsed, or a usage error naming the option and the accepted forms.</summary>
internal static class MomentArgument
{
    /// <exception cref="CommandFailure">The text is not a moment (usage).</exception>
    public static Moment Parse(string option, string text)
    {
        try
        {
            return Moment.Parse(text);
        }
        catch (MomentException unparsable)
        {
            throw CommandFailure.Usage($"{option} {unparsable.Message}");
        }
    }
}
