namespace Vellum.Bench;

/// <param name="Quick">Shorter runs, the whole suite in under a minute; noisier figures.</param>
public sealed record BenchOptions(bool Quick)
{
    public TimeSpan MeasureFor => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);

    public TimeSpan WarmUpFor => Quick ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(1);
}
