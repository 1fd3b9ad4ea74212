namespace Vellum.Journal.Tests;

/// <summary>
/// Entry point of the test assembly (in place of the test SDK's empty one), so a test can
/// run a check in a child process started with different runtime settings.
/// </summary>
public static class Program
{
    public const string Crc32CCheck = "crc32c-check";

    public static int Main(string[] args) => args is [Crc32CCheck] ? Crc32CTests.ChildCheck() : 0;
}
