using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Cli.Tests;

/// <summary>`vellum repair` as a user runs it: what it prints, what it changes, and its exit codes.</summary>
public sealed class RepairCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-cli-repair-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Store => Path.Combine(_root, "journal");

    private string Copy => Path.Combine(_root, "copy");

    /// <summary>A store of 100 writes in sealed segments of 4 KiB, a copy of it, and one bit flipped in a sealed segment of the store; returns that segment.</summary>
    private string DamagedStoreWithCopy()
    {
        using (var store = SegmentStore.Open(Store, Journal.Options(segmentSize: 4096)))
        {
            for (ulong id = 1; id <= 100; id++)
                store.Commit(Journal.SingleWrite(id));
        }
        Directory.CreateDirectory(Copy);
        foreach (var file in Directory.GetFiles(Store))
            File.Copy(file, Path.Combine(Copy, Path.GetFileName(file)));
        var segments = Directory.GetFiles(Store, "*.vseg").Order(StringComparer.Ordinal).ToArray();
        var damaged = segments[segments.Length / 2];
        var bytes = File.ReadAllBytes(damaged);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(damaged, bytes);
        return damaged;
    }

    [Fact]
    public void Without_a_copy_it_lists_the_damage_changes_nothing_and_exits_2_with_the_command_that_repairs()
    {
        var damaged = DamagedStoreWithCopy();
        var before = File.ReadAllBytes(damaged);

        var result = Vellum.Run("repair", Store);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(result.Output, line => line.StartsWith($"damaged: {Path.GetFileName(damaged)} bytes ", StringComparison.Ordinal) && line.Contains("file-", StringComparison.Ordinal));
        Assert.Contains($"repair {Store} --from COPY", string.Join('\n', result.Error), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(damaged));
    }

    [Fact]
    public void With_a_directory_copy_it_repairs_the_segment_and_the_whole_log_reads_again()
    {
        var damaged = DamagedStoreWithCopy();
        Assert.Equal(2, Vellum.Run("log", Store).ExitCode);

        var result = Vellum.Run("repair", Store, "--from", Copy);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"repaired {Path.GetFileName(damaged)} from {Copy}: it verifies whole", result.Output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Copy, Path.GetFileName(damaged))), File.ReadAllBytes(damaged));
        var log = Vellum.Run("log", Store);
        Assert.Equal(0, log.ExitCode);
        Assert.Equal(100, log.Output.Length);
        Assert.Contains("no damage", Vellum.Run("repair", Store).Output[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_copy_of_another_journal_is_refused_with_exit_1_and_nothing_changed()
    {
        var damaged = DamagedStoreWithCopy();
        var before = File.ReadAllBytes(damaged);
        var other = Path.Combine(_root, "other");
        using (var store = SegmentStore.Open(other, new StoreOptions { Header = JournalHeader.Create(Guid.NewGuid(), 1, "test-host", "/data") }))
            store.Commit(Journal.SingleWrite(1));

        var result = Vellum.Run("repair", Store, "--from", other);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"the copy {other} is a store of another journal", string.Join('\n', result.Error), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(damaged));
    }
}
