// FUSE is Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Vellum.Fuse.Tests;

/// <summary>
/// Entry point of the test assembly (in place of the test SDK's empty one), so tests can run a
/// mount holder in a child process: to kill it, or to run it as another user.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => args switch
    {
        [ChildMount.HoldUntilKilled, var mountPoint] => ChildMount.HoldMountUntilKilled(mountPoint),
        [ChildMount.ServeUntilSignal, var mountPoint] => ChildMount.ServeMountUntilSignal(mountPoint),
        _ => 0,
    };
}
