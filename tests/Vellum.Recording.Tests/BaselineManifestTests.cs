using System.Buffers.Binary;
using Vellum.Passthrough;
using Vellum.Recording.Baseline;

namespace Vellum.Recording.Tests;

/// <summary>The baseline manifest's bytes (docs/journal-format.md section 8).</summary>
public class BaselineManifestTests
{
    private static readonly Guid JournalId = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    private static BaselineManifest Sample()
    {
        var manifest = new BaselineManifest(JournalId) { Complete = true, TransactionId = 42, Device = 0x0803, Root = Entry(2, 0x41ED, ManifestFlags.Listed, 1) };
        manifest.SetChildren(2, new Dictionary<string, ManifestEntry>
        {
            ["sub"] = Entry(10, 0x41ED, ManifestFlags.Listed, 1),
            ["f\u00e9"] = Entry(11, 0x81A4, ManifestFlags.Content, 2),
        });
        manifest.SetChildren(10, new Dictionary<string, ManifestEntry>
        {
            ["link"] = Entry(11, 0x81A4, ManifestFlags.None, 2),
            ["empty"] = Entry(12, 0x41ED, ManifestFlags.Listed, 2),
        });
        manifest.SetChildren(12, []);
        return manifest;
    }

    private static ManifestEntry Entry(ulong inode, uint mode, ManifestFlags flags, uint links) =>
        new(inode, mode, flags, 4096 + inode, new Timestamp(1_700_000_000, 123_456_789), new Timestamp(1_700_000_001, 5), 1000, 100, links);

    [Fact]
    public void A_manifest_reads_back_as_it_was_written_names_of_any_bytes_included()
    {
        var bytes = Sample().Format();

        var read = BaselineManifest.Parse(bytes, out var problem);

        Assert.Null(problem);
        Assert.NotNull(read);
        Assert.True(read.Complete);
        Assert.Equal((42UL, 0x0803UL, JournalId), (read.TransactionId, read.Device, read.JournalId));
        Assert.Equal(Sample().Root, read.Root);
        Assert.True(read.TryGetChildren(2, out var top));
        Assert.Equal(Entry(11, 0x81A4, ManifestFlags.Content, 2), top["f\u00e9"]);
        Assert.True(read.TryGetChildren(10, out var sub));
        Assert.Equal(Entry(11, 0x81A4, ManifestFlags.None, 2), sub["link"]);
        Assert.True(read.TryGetChildren(12, out var empty));
        Assert.Empty(empty);
        Assert.Equal(bytes, read.Format());
    }

    [Fact]
    public void The_header_and_the_first_entry_are_where_the_format_says()
    {
        var bytes = Sample().Format();

        Assert.Equal("VBASEMF1"u8.ToArray(), bytes[..8]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(JournalId, new Guid(bytes.AsSpan(16, 16)));
        Assert.Equal(42UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48)));
        // The root: directory inode 0, its own inode 2, an empty name.
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(56)));
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(64)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(56 + 68)));
        // The second entry starts 72 bytes later (no name, already aligned) and names its directory.
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(56 + 72)));
    }

    [Fact]
    public void A_damaged_manifest_is_refused_with_where_and_why_and_another_journals_is_not_taken()
    {
        var bytes = Sample().Format();
        bytes[100] ^= 1;

        Assert.Null(BaselineManifest.Parse(bytes, out var damaged));
        Assert.Contains("checksum", damaged);

        var directory = Directory.CreateTempSubdirectory("vellum-manifest-").FullName;
        try
        {
            var path = Path.Combine(directory, BaselineManifest.FileName);
            BaselineManifest.Write(path, Sample().Format());
            Assert.NotNull(BaselineManifest.Load(path, JournalId, out _));
            Assert.Null(BaselineManifest.Load(path, Guid.NewGuid(), out var other));
            Assert.Contains("belongs to journal", other);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
