using System.Globalization;
using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>One stderr line on a terminal, rewritten as a restore goes: transactions and how far through the id range, files, bytes, rate, time left.</summary>
internal sealed class RestoreProgressLine
{
    private int _width;

    public void Show(RestoreProgress progress)
    {
        var fraction = progress.Fraction;
        var seconds = Math.Max(progress.Elapsed.TotalSeconds, 0.001);
        var left = fraction is > 0.02 and < 1 ? string.Create(CultureInfo.InvariantCulture, $", about {seconds / fraction - seconds:0} s left") : "";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"vellum restore: {progress.Transactions:N0} transactions ({fraction * 100:0} %), {progress.Files:N0} files, {progress.Bytes / 1048576.0:N1} MiB, {progress.Bytes / 1048576.0 / seconds:N1} MiB/s{left}");
        Console.Error.Write("\r" + line.PadRight(_width));
        _width = line.Length;
    }

    public void End()
    {
        if (_width > 0)
            Console.Error.WriteLine();
    }
}
