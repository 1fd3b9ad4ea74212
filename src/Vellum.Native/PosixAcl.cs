using System.Buffers.Binary;

namespace Vellum.Native;

/// <summary>
/// A POSIX ACL as the kernel stores it in the <c>system.posix_acl_access</c> and
/// <c>system.posix_acl_default</c> xattrs (include/uapi/linux/posix_acl_xattr.h): a 4-byte
/// little-endian version (2), then 8-byte entries of tag (u16), permission (u16) and id (u32).
/// Only what decides whether an ACL grants more than the mode bits is read: its named entries.
/// </summary>
public static class PosixAcl
{
    public const string AccessXattr = "system.posix_acl_access";
    public const string DefaultXattr = "system.posix_acl_default";
    public const uint Version = 2;

    public const ushort UserObj = 0x01;
    public const ushort User = 0x02;
    public const ushort GroupObj = 0x04;
    public const ushort Group = 0x08;
    public const ushort Mask = 0x10;
    public const ushort Other = 0x20;

    private const int HeaderSize = 4;
    private const int EntrySize = 8;

    /// <summary>One entry: its tag, permission bits (4 r, 2 w, 1 x) and the uid or gid of a named entry.</summary>
    public readonly record struct Entry(ushort Tag, ushort Permissions, uint Id);

    /// <exception cref="InvalidDataException">Not a version-2 ACL of whole entries.</exception>
    public static IReadOnlyList<Entry> Parse(ReadOnlySpan<byte> xattr)
    {
        if (xattr.Length < HeaderSize || (xattr.Length - HeaderSize) % EntrySize != 0)
            throw new InvalidDataException($"a POSIX ACL of {xattr.Length} bytes: not a 4-byte header and whole 8-byte entries");
        var version = BinaryPrimitives.ReadUInt32LittleEndian(xattr);
        if (version != Version)
            throw new InvalidDataException($"a POSIX ACL of version {version}; version {Version} is the one Linux writes");
        var entries = new Entry[(xattr.Length - HeaderSize) / EntrySize];
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = xattr.Slice(HeaderSize + i * EntrySize, EntrySize);
            entries[i] = new Entry(
                BinaryPrimitives.ReadUInt16LittleEndian(entry),
                BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]));
        }
        return entries;
    }

    /// <summary>The named user and group entries: what the ACL grants beyond owner, group and others.</summary>
    public static IEnumerable<Entry> NamedEntries(IEnumerable<Entry> entries) => entries.Where(entry => entry.Tag is User or Group);

    /// <summary>"user nobody: r--", the way getfacl shows an entry.</summary>
    public static string Describe(Entry entry)
    {
        var who = entry.Tag switch
        {
            User => $"user {Accounts.UserName(entry.Id)}",
            Group => $"group {Accounts.GroupName(entry.Id)}",
            UserObj => "owner",
            GroupObj => "owning group",
            Mask => "mask",
            Other => "others",
            _ => $"tag {entry.Tag}",
        };
        Span<char> bits = ['-', '-', '-'];
        if ((entry.Permissions & 4) != 0)
            bits[0] = 'r';
        if ((entry.Permissions & 2) != 0)
            bits[1] = 'w';
        if ((entry.Permissions & 1) != 0)
            bits[2] = 'x';
        return $"{who}: {bits}";
    }
}
