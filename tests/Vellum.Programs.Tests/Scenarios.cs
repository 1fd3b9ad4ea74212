using Vellum.Testing;

namespace Vellum.Programs.Tests;

/// <summary>Runs a scenario in one place and holds it to the plain directory's results.</summary>
internal static class Scenarios
{
    /// <summary>
    /// In <see cref="Place.Plain"/> the scenario's own assertions are the test. In a mount the
    /// scenario must also give the plain run's exit codes and outputs and leave the same tree
    /// (times only where programs set them); a journaled mount's journal must then replay into
    /// a copy of its backing directory. Each of the three is checked even when an earlier one
    /// failed, and the failure names all that did.
    /// </summary>
    public static void Check(Place place, Scenario scenario, PlainRuns plainRuns)
    {
        var plain = plainRuns.Of(scenario);
        if (place == Place.Plain)
            return;
        using var workspace = Workspace.Create(place, scenario.Existing);
        scenario.Steps(workspace);
        var failures = new List<string>();
        Try(failures, "outcome differs from the plain directory's", () =>
            Assert.Equal(string.Join("\n", plain.Outcome), string.Join("\n", workspace.Outcome)));
        Try(failures, "tree differs from the plain directory's", () =>
            TreeComparison.AssertEqual(plain.Dir, workspace.Dir, new TreeComparisonOptions
            {
                Skip = scenario.Skip,
                MtimesSetBefore = plain.Started,
                AtimesSetBefore = plain.Started,
            }));
        Try(failures, place == Place.Journaled ? "unmount or journal replay" : "unmount", workspace.Finish);
        if (failures.Count > 0)
            throw new Xunit.Sdk.XunitException(string.Join("\n\n", failures) + workspace.DaemonLog());
    }

    private static void Try(List<string> failures, string what, Action check)
    {
        try
        {
            check();
        }
        catch (Exception failure)
        {
            failures.Add($"{what}:\n{failure.Message}");
        }
    }
}
