using System.Buffers.Binary;
using Vellum.Recording.Baseline;

namespace Vellum.Recording.Tests;

/// <summary>Reads the header of a journal's baseline manifest on disk (docs/journal-format.md section 8).</summary>
internal static class ManifestHeader
{
    /// <summary>
    /// How many objects the manifest in <paramref name="journal"/> describes; null while there is
    /// none. It is replaced whole by a rename, so a read sees one version or the next.
    /// </summary>
    public static long? Entries(string journal)
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
        return (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48, 8));
    }
}
