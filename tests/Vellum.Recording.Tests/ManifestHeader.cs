using System.Buffers.Binary;
using Vellum.Recording.Baseline;

namespace Vellum.Recording.Tests;

/// <summary>
/// The header of a journal's baseline manifest on disk (docs/journal-format.md section 8): how
/// many objects it describes, and whether it says the baseline completed.
/// </summary>
internal readonly record struct ManifestHeader(long Entries, bool Complete)
{
    /// <summary>
    /// The header of the manifest in <paramref name="journal"/>; null while there is none. It is
    /// replaced whole by a rename, so a read sees one version or the next.
    /// </summary>
    public static ManifestHeader? Read(string journal)
    {
        var path = Path.Combine(journal, BaselineManifest.FileName);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        if (bytes.Length < BaselineManifest.HeaderSize + 4 || !bytes.AsSpan(0, 8).SequenceEqual("VBASEMF1"u8))
            throw new InvalidDataException($"{path} is no baseline manifest ({bytes.Length} bytes)");
        return new ManifestHeader(
            (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48, 8)),
            (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12, 4)) & 1) != 0);
    }
}
