using Vellum.Testing;
using Vellum.TimeTravel.Rollback;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// The comparison after a rollback, on plain directories: it reads again only what moved since
/// the rollback saw or made it the past's, so a change that keeps a file's size and mtime must
/// still be found (its ctime moved).
/// </summary>
public sealed class RollbackComparisonTests
{
    [Fact]
    public void A_file_changed_after_the_rollback_put_it_back_is_found_even_with_its_size_and_mtime_kept()
    {
        var root = Directory.CreateTempSubdirectory("vellum-rollback-compare-").FullName;
        try
        {
            var past = Directory.CreateDirectory(Path.Combine(root, "past")).FullName;
            var live = Directory.CreateDirectory(Path.Combine(root, "live")).FullName;
            var mtime = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            foreach (var (name, then, now) in new[] { ("damaged", "as it was", "DAMAGED!!"), ("kept", "unchanged", "unchanged"), ("later", "put back", "PUT BACK") })
            {
                File.WriteAllText(Path.Combine(past, name), then);
                File.WriteAllText(Path.Combine(live, name), now);
                File.SetLastWriteTimeUtc(Path.Combine(past, name), mtime);
                File.SetLastWriteTimeUtc(Path.Combine(live, name), mtime);
            }
            Directory.SetLastWriteTimeUtc(past, mtime);
            Directory.SetLastWriteTimeUtc(live, mtime);
            var plan = RollbackPlan.Compute(past, live);
            Assert.Equal(["M damaged", "M later"], plan.Changes.Select(change => change.ToString()));

            RollbackApplier.Apply(plan, CancellationToken.None);
            Assert.Empty(plan.CompareAgain().Changes);
            // Another program writes a file the rollback put back, and one it left alone, each keeping its size and mtime.
            foreach (var name in new[] { "later", "kept" })
            {
                File.WriteAllText(Path.Combine(live, name), name == "later" ? "PUT BACK" : "UNCHANGED");
                File.SetLastWriteTimeUtc(Path.Combine(live, name), mtime);
            }

            Assert.Equal(["M kept", "M later"], plan.CompareAgain().Changes.Select(change => change.ToString()));
        }
        finally
        {
            TreeRemoval.Delete(root);
        }
    }
}
