namespace Vellum.Cli;

internal static class Cli
{
    /// <summary>One clear line on stderr and the exit code for a refused command.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"vellum: {message}");
        return 1;
    }
}
