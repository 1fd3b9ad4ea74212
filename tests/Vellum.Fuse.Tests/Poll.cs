using System.Diagnostics;

namespace Vellum.Fuse.Tests;

/// <summary>Waits for a condition by polling it (for events no API announces), failing after a timeout.</summary>
internal static class Poll
{
    public static void Until(Func<bool> condition, string what, int timeoutMilliseconds = 10_000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.ElapsedMilliseconds < timeoutMilliseconds, $"timed out waiting for {what}");
            Thread.Sleep(10);
        }
    }
}
