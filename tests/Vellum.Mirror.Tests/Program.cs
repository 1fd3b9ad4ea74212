using System.Globalization;

namespace Vellum.Mirror.Tests;

/// <summary>
/// Entry point of the test assembly (in place of the test SDK's empty one): the crash test
/// runs it as a child that mirrors a store, printing each position reached, until killed.
/// </summary>
public static class Program
{
    public const string MirrorMode = "mirror";

    public static int Main(string[] args)
    {
        if (args is not [MirrorMode, var store, var replica])
            return 0;
        using var mirror = MirrorRunner.Open(store, replica);
        mirror.PositionAdvanced += position => Console.WriteLine(position.TransactionId.ToString(CultureInfo.InvariantCulture));
        mirror.CatchUp();
        Console.WriteLine("done");
        return 0;
    }
}
