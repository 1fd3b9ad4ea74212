using System.Buffers.Binary;
using System.Text;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>
/// The file <c>JOURNAL/baseline.manifest</c> (docs/journal-format.md section 8), in memory:
/// per listed directory (by inode), its names and what the journal last recorded of each.
/// Names are kept as Latin-1 strings, which map every byte to one char and back, since Linux
/// names need not be UTF-8. Not thread-safe: <see cref="BaselineCoverage"/> guards it.
/// </summary>
internal sealed class BaselineManifest
{
    public const string FileName = "baseline.manifest";
    public const int HeaderSize = 56;
    public const int EntryHeaderSize = 72;
    public const uint Version = 1;

    private static ReadOnlySpan<byte> Magic => "VBASEMF1"u8;

    private readonly Dictionary<ulong, Dictionary<string, ManifestEntry>> _directories = [];

    public BaselineManifest(Guid journalId)
    {
        JournalId = journalId;
    }

    public Guid JournalId { get; }

    /// <summary>Every object of the backing directory is described: the baseline completed.</summary>
    public bool Complete { get; set; }

    /// <summary>The journal's transactions up to this id are what the manifest describes.</summary>
    public ulong TransactionId { get; set; }

    public ulong Device { get; set; }

    /// <summary>The backing root as recorded (null in a manifest that has not listed it).</summary>
    public ManifestEntry? Root { get; set; }

    public static string KeyOf(ReadOnlySpan<byte> name) => Encoding.Latin1.GetString(name);

    public static byte[] NameOf(string key) => Encoding.Latin1.GetBytes(key);

    /// <summary>The names of listed directory <paramref name="inode"/>; false when it was never listed.</summary>
    public bool TryGetChildren(ulong inode, out Dictionary<string, ManifestEntry> children) =>
        _directories.TryGetValue(inode, out children!);

    /// <summary>Records that directory <paramref name="inode"/> holds exactly <paramref name="children"/> in the journal.</summary>
    public void SetChildren(ulong inode, Dictionary<string, ManifestEntry> children) => _directories[inode] = children;

    /// <summary>Updates one name's entry in its listed directory (nothing when the directory was not listed).</summary>
    public void Update(ulong directory, string name, ManifestEntry entry)
    {
        if (_directories.TryGetValue(directory, out var children))
            children[name] = entry;
    }

    /// <summary>
    /// Loads the manifest at <paramref name="path"/> for journal <paramref name="journalId"/>;
    /// null when there is none. A manifest that does not parse or names another journal is
    /// reported through <paramref name="problem"/> and also gives null.
    /// </summary>
    public static BaselineManifest? Load(string path, Guid journalId, out string? problem)
    {
        problem = null;
        if (!File.Exists(path))
            return null;
        var bytes = File.ReadAllBytes(path);
        var manifest = Parse(bytes, out problem);
        if (manifest is not null && manifest.JournalId != journalId)
        {
            problem = $"it belongs to journal {manifest.JournalId}, not {journalId}";
            return null;
        }
        return manifest;
    }

    public static BaselineManifest? Parse(ReadOnlySpan<byte> bytes, out string? problem)
    {
        problem = null;
        if (bytes.Length < HeaderSize + 4 || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            problem = "it does not start with the manifest's magic";
            return null;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]) is var version && version != Version)
        {
            problem = $"it is version {version}; this reader reads version {Version}";
            return null;
        }
        if (Crc32C.Compute(bytes[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]))
        {
            problem = "its checksum does not match (the file is damaged)";
            return null;
        }
        var manifest = new BaselineManifest(new Guid(bytes.Slice(16, 16)))
        {
            Complete = (BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]) & 1) != 0,
            TransactionId = BinaryPrimitives.ReadUInt64LittleEndian(bytes[32..]),
            Device = BinaryPrimitives.ReadUInt64LittleEndian(bytes[40..]),
        };
        var count = BinaryPrimitives.ReadUInt64LittleEndian(bytes[48..]);
        var at = HeaderSize;
        var body = bytes[..^4];
        for (ulong i = 0; i < count; i++)
        {
            if (body.Length - at < EntryHeaderSize)
            {
                problem = $"entry {i} of {count} is cut short at byte {at}";
                return null;
            }
            var span = body[at..];
            var nameLength = BinaryPrimitives.ReadInt32LittleEndian(span[68..]);
            if (nameLength is < 0 or > 255 || span.Length < EntryHeaderSize + nameLength)
            {
                problem = $"entry {i} at byte {at} has a name of {nameLength} bytes";
                return null;
            }
            var parent = BinaryPrimitives.ReadUInt64LittleEndian(span);
            var entry = new ManifestEntry(
                BinaryPrimitives.ReadUInt64LittleEndian(span[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[16..]),
                (ManifestFlags)BinaryPrimitives.ReadUInt32LittleEndian(span[20..]),
                BinaryPrimitives.ReadUInt64LittleEndian(span[24..]),
                ReadTime(span[32..]),
                ReadTime(span[44..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[56..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[60..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[64..]));
            if (parent == 0)
                manifest.Root = entry;
            else
            {
                if (!manifest._directories.TryGetValue(parent, out var children))
                    manifest._directories[parent] = children = [];
                children[KeyOf(span.Slice(EntryHeaderSize, nameLength))] = entry;
            }
            at += (EntryHeaderSize + nameLength + 7) & ~7;
        }
        // A listed directory with no names has no entries naming it as their directory.
        var emptyListed = manifest.AllEntries()
            .Where(entry => entry.IsDirectory && entry.Flags.HasFlag(ManifestFlags.Listed) && !manifest._directories.ContainsKey(entry.Inode))
            .Select(entry => entry.Inode)
            .ToList();
        foreach (var inode in emptyListed)
            manifest._directories[inode] = [];
        return manifest;
    }

    /// <summary>The manifest's bytes: the entries reachable from the root, each directory's names before its subdirectories'.</summary>
    public byte[] Format()
    {
        using var output = new MemoryStream();
        Span<byte> header = stackalloc byte[HeaderSize];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], Complete ? 1u : 0u);
        JournalId.TryWriteBytes(header[16..]);
        BinaryPrimitives.WriteUInt64LittleEndian(header[32..], TransactionId);
        BinaryPrimitives.WriteUInt64LittleEndian(header[40..], Device);
        output.Write(header);
        ulong count = 0;
        Span<byte> entryBytes = stackalloc byte[EntryHeaderSize + 256 + 8];
        if (Root is { } root)
        {
            WriteEntry(output, entryBytes, 0, "", root);
            count++;
            var pending = new Stack<ulong>();
            if (root.Flags.HasFlag(ManifestFlags.Listed))
                pending.Push(root.Inode);
            var written = new HashSet<ulong>();
            while (pending.Count > 0)
            {
                var directory = pending.Pop();
                if (!written.Add(directory) || !_directories.TryGetValue(directory, out var children))
                    continue;
                foreach (var (name, entry) in children)
                {
                    WriteEntry(output, entryBytes, directory, name, entry);
                    count++;
                    if (entry.IsDirectory && entry.Flags.HasFlag(ManifestFlags.Listed))
                        pending.Push(entry.Inode);
                }
            }
        }
        var bytes = output.ToArray();
        var result = new byte[bytes.Length + 4];
        bytes.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(48), count);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(bytes.Length), Crc32C.Compute(result.AsSpan(0, bytes.Length)));
        return result;
    }

    /// <summary>Replaces the file at <paramref name="path"/> with <paramref name="bytes"/>: a crash leaves the old manifest or the new one, whole.</summary>
    public static void Write(string path, byte[] bytes)
    {
        OwnerOnly.WriteReplacing(path, bytes);
    }

    private IEnumerable<ManifestEntry> AllEntries()
    {
        if (Root is { } root)
            yield return root;
        foreach (var children in _directories.Values)
        {
            foreach (var entry in children.Values)
                yield return entry;
        }
    }

    private static void WriteEntry(Stream output, Span<byte> buffer, ulong directory, string name, in ManifestEntry entry)
    {
        var nameLength = name.Length;
        var size = (EntryHeaderSize + nameLength + 7) & ~7;
        var span = buffer[..size];
        span.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(span, directory);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], entry.Inode);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], entry.Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)entry.Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], entry.Size);
        WriteTime(span[32..], entry.Mtime);
        WriteTime(span[44..], entry.Ctime);
        BinaryPrimitives.WriteUInt32LittleEndian(span[56..], entry.Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(span[60..], entry.Gid);
        BinaryPrimitives.WriteUInt32LittleEndian(span[64..], entry.Nlink);
        BinaryPrimitives.WriteInt32LittleEndian(span[68..], nameLength);
        Encoding.Latin1.GetBytes(name, span[EntryHeaderSize..]);
        output.Write(span);
    }

    private static Timestamp ReadTime(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]));

    private static void WriteTime(Span<byte> bytes, Timestamp time)
    {
        BinaryPrimitives.WriteInt64LittleEndian(bytes, time.Seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], time.Nanoseconds);
    }
}
