using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>Every extended attribute of a backing node but the journal's mark, read through /proc so that an O_PATH descriptor will do.</summary>
internal static unsafe class NodeXattrs
{
    /// <summary>The node's attributes as (name, value) pairs; those that cannot be read (or exceed the journal's limits) are left out.</summary>
    public static List<(byte[] Name, byte[] Value)> Read(int fd)
    {
        var result = new List<(byte[], byte[])>();
        var nativePath = System.Text.Encoding.ASCII.GetBytes($"/proc/self/fd/{fd}\0");
        var list = new byte[64 * 1024];
        nint length;
        fixed (byte* p = nativePath, l = list)
            length = LibC.ListXattr(p, l, (nuint)list.Length);
        if (length <= 0)
            return result;
        var names = list.AsSpan(0, (int)length);
        var value = new byte[JournalLimits.MaxXattrValueLength];
        Span<byte> nameBuffer = stackalloc byte[JournalLimits.MaxXattrNameLength + 1];
        while (names.Length > 0)
        {
            var end = names.IndexOf((byte)0);
            if (end < 0)
                break;
            var name = names[..end];
            names = names[(end + 1)..];
            // The journal's own mark binds this directory, not its copies: a replica or a restore made from the journal must not carry it.
            if (name.Length == 0 || name.Length > JournalLimits.MaxXattrNameLength || MarkXattrs.Is(name))
                continue;
            var nativeName = nameBuffer[..(name.Length + 1)];
            name.CopyTo(nativeName);
            nativeName[^1] = 0;
            nint read;
            fixed (byte* p = nativePath, n = nativeName, v = value)
                read = LibC.GetXattr(p, n, v, (nuint)value.Length);
            if (read >= 0)
                result.Add((name.ToArray(), value.AsSpan(0, (int)read).ToArray()));
        }
        return result;
    }
}
