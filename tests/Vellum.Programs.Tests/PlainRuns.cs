namespace Vellum.Programs.Tests;

/// <summary>
/// Each scenario's run in a plain directory, made once per test class and kept (with its
/// tree) for the mounted places to be compared with.
/// </summary>
public sealed class PlainRuns : IDisposable
{
    private readonly Dictionary<string, Lazy<Workspace>> _runs = [];

    internal Workspace Of(Scenario scenario)
    {
        Lazy<Workspace> run;
        lock (_runs)
        {
            if (!_runs.TryGetValue(scenario.Name, out run!))
            {
                run = new Lazy<Workspace>(() => RunPlain(scenario), LazyThreadSafetyMode.ExecutionAndPublication);
                _runs[scenario.Name] = run;
            }
        }
        return run.Value;
    }

    private static Workspace RunPlain(Scenario scenario)
    {
        var workspace = Workspace.Create(Place.Plain, scenario.Existing);
        try
        {
            scenario.Steps(workspace);
        }
        catch
        {
            workspace.Dispose();
            throw;
        }
        return workspace;
    }

    public void Dispose()
    {
        foreach (var run in _runs.Values)
        {
            if (run.IsValueCreated)
                run.Value.Dispose();
        }
    }
}
