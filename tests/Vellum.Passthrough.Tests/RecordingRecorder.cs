using System.Text;
using Vellum.Native;

namespace Vellum.Passthrough.Tests;

/// <summary>Reads prior state during <see cref="IChangeRecorder.Before"/>.</summary>
internal delegate string CaptureState(in Change change);

/// <summary>Logs every change, checking that each Before is followed by its After on the same thread.</summary>
internal sealed class RecordingRecorder : IChangeRecorder
{
    [ThreadStatic]
    private static ChangeKind? t_pending;

    public List<(ChangeKind Kind, string Name, string Data, Errno Result)> Changes { get; } = [];

    public int Befores { get; private set; }

    public CaptureState? CaptureBefore { get; set; }

    public List<string> Captured { get; } = [];

    public Errno Before(in Change change)
    {
        Assert.Null(t_pending);
        t_pending = change.Kind;
        Befores++;
        if (CaptureBefore is not null)
        {
            Captured.Add(CaptureBefore(in change));
        }
        return Errno.Success;
    }

    public Errno After(in Change change, in ChangeOutcome outcome)
    {
        Assert.Equal(t_pending, change.Kind);
        t_pending = null;
        lock (Changes)
        {
            Changes.Add((change.Kind, Encoding.UTF8.GetString(change.Name), Encoding.UTF8.GetString(change.Data), outcome.Result));
        }
        return Errno.Success;
    }
}
