using System.Buffers.Binary;

namespace Vellum.Recording.Tests;

/// <summary>Reads the header of a journal's baseline manifest (docs/journal-format.md section 8).</summary>
internal static class BaselineManifest
{
    private const int HeaderSize = 56;

    public static string PathIn(string journal) => Path.Combine(journal, "baseline.manifest");

    /// <summary>
    /// How many objects the manifest in <paramref name="journal"/> describes; null while there is
    /// none. It is replaced whole by a rename, so a read sees one version or the next.
    /// </summary>
    public static long? Entries(string journal)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(PathIn(journal));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        if (bytes.Length < HeaderSize + 4 || !bytes.AsSpan(0, 8).SequenceEqual("VBASEMF1"u8))
            throw new InvalidDataException($"{PathIn(journal)} is no baseline manifest ({bytes.Length} bytes)");
        return (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48, 8));
    }
}
