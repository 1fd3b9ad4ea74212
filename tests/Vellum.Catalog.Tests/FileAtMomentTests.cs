using Vellum.Testing;

namespace Vellum.Catalog.Tests;

public sealed class FileAtMomentTests
{
    /// <summary>
    /// A pre-populated file's life through the mount (written, overwritten in part, truncated,
    /// extended with a hole, renamed, a hole punched, its directory renamed, hard-linked, its name deleted), other files changing in between; after each
    /// step the script copies the file as the mount shows it (or notes it absent) and creates a
    /// marker, whose transaction is the moment of that step.
    /// </summary>
    private static readonly string[] Steps =
    [
        "",
        "printf 'first version of the file\\n' > a.txt; echo other >> other.txt",
        "printf 'XX' | dd of=a.txt bs=1 seek=3 conv=notrunc status=none",
        "truncate -s 5 a.txt; echo again >> other.txt",
        "truncate -s 70000 a.txt; printf 'tail' | dd of=a.txt bs=1 seek=69996 conv=notrunc status=none",
        "mkdir sub; mv a.txt sub/b.txt",
        "printf 'more' >> sub/b.txt; echo x > other.txt",
        "printf 'mid' | dd of=sub/b.txt bs=1 seek=30000 conv=notrunc status=none; fallocate -p -o 0 -l 4096 sub/b.txt",
        // The directory above the file renamed: no operation of the file's own names it by its new path.
        "mv sub moved; echo y > other.txt",
        "ln moved/b.txt hard.txt; printf 'via link' >> hard.txt",
        "rm moved/b.txt; echo gone > other.txt",
    ];

    private static readonly string[] PathAfter = ["a.txt", "a.txt", "a.txt", "a.txt", "a.txt", "sub/b.txt", "sub/b.txt", "sub/b.txt", "moved/b.txt", "moved/b.txt", "moved/b.txt"];

    [Fact]
    public void A_file_at_each_recorded_moment_by_txid_and_by_time_equals_its_bytes_then_and_a_name_it_did_not_have_is_refused_with_the_moments_it_had_it()
    {
        using var workspace = new Workspace();
        File.WriteAllText(Path.Combine(workspace.Backing, "a.txt"), "pre-populated content\n");
        File.WriteAllText(Path.Combine(workspace.Backing, "other.txt"), "other\n");
        var copies = Directory.CreateDirectory(Path.Combine(workspace.Root, "copies")).FullName;
        using (workspace.Mount())
        {
            for (var step = 0; step < Steps.Length; step++)
            {
                var copy = Path.Combine(copies, step.ToString(System.Globalization.CultureInfo.InvariantCulture));
                workspace.RunInMount($"{Steps[step]}\nif [ -e {PathAfter[step]} ]; then cp {PathAfter[step]} {copy}; fi; touch mark-{step}");
            }
        }

        using var catalog = StoreCatalog.Open(workspace.Journal);
        for (var step = 0; step < Steps.Length; step++)
        {
            var mark = catalog.History($"mark-{step}", HistoryRange.All).Entries[0];
            var byTime = catalog.LastTransactionAtOrBefore(mark.Time.Seconds * 1_000_000_000 + mark.Time.Nanoseconds);
            Assert.Equal(mark.TransactionId, byTime);
            var copy = Path.Combine(copies, step.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var file = FileAtMoment.Find(catalog, PathAfter[step], mark.TransactionId, out var existed);
            if (!File.Exists(copy))
            {
                Assert.Null(file);
                Assert.Single(existed);
                Assert.NotNull(existed[0].Until);
                Assert.True(existed[0].Until <= mark.TransactionId);
                continue;
            }
            Assert.NotNull(file);
            Assert.Equal(File.ReadAllBytes(copy), Content(file));
        }

        // The old name, after the rename: refused, with when it had it (from the baseline to the rename).
        var afterRename = catalog.History("mark-5", HistoryRange.All).Entries[0].TransactionId;
        Assert.Null(FileAtMoment.Find(catalog, "a.txt", afterRename, out var aTxt));
        var span = Assert.Single(aTxt);
        Assert.Equal(afterRename - 1, span.Until);
        Assert.True(span.From < catalog.History("mark-0", HistoryRange.All).Entries[0].TransactionId);
    }

    [Fact]
    public void A_directory_is_not_a_file_to_rebuild()
    {
        using var workspace = new Workspace();
        using (workspace.Mount())
            workspace.RunInMount("mkdir d; echo x > d/f");
        using var catalog = StoreCatalog.Open(workspace.Journal);
        var file = FileAtMoment.Find(catalog, "d", catalog.NewestMoment()!.Value.Id, out _);
        Assert.NotNull(file);
        Assert.Equal("directory", Assert.Throws<NotAFileException>(() => Content(file)).What);
    }

    internal static byte[] Content(FileAtMoment file)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vellum-cat-test-{Guid.NewGuid():N}");
        using var content = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.DeleteOnClose);
        file.WriteContent(content.SafeFileHandle);
        content.Position = 0;
        using var bytes = new MemoryStream();
        content.CopyTo(bytes);
        return bytes.ToArray();
    }
}
