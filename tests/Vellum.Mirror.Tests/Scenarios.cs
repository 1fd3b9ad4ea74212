using System.Text;
using Vellum.Native;

namespace Vellum.Mirror.Tests;

/// <summary>Journals made by changing a real source tree.</summary>
internal static class Scenarios
{
    /// <summary>
    /// Every operation kind at least once: owners other than root, a sparse file, hard links,
    /// a symlink, a device node, xattrs set and removed, renames plain, NOREPLACE and EXCHANGE,
    /// a name reused after a rename, explicit times in the past.
    /// </summary>
    public static void EveryKind(SourceTree source)
    {
        source.Mkdir("docs", 0x1ED, 1000, 1000);
        source.Mkdir("docs/deep", 0x5C0, 1001, 50); // 02700: setgid directory
        source.Create("docs/a.txt", 0x1A4, 1000, 1000);
        source.Write("docs/a.txt", 0, Encoding.UTF8.GetBytes("hello, mirror\n"));
        source.Create("sparse.bin", 0x180, 1002, 1002);
        source.Write("sparse.bin", 0, Fill(4096, 1));
        source.Write("sparse.bin", 1 << 20, Fill(8192, 2));
        source.Truncate("sparse.bin", 4 << 20);
        source.Fallocate("sparse.bin", LibCConstants.FallocKeepSize, 2 << 20, 65536);
        source.Fallocate("sparse.bin", LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize, 1 << 20, 4096);
        source.Link("docs/a.txt", "docs/deep/a-link");
        source.Link("docs/a.txt", "a-second-link");
        source.Symlink("docs/a.txt", "to-a", 1003, 1003);
        source.Symlink("/etc/passwd", "docs/outside", 1000, 1000);
        source.Mknod("fifo", 0x1000 | 0x1B0, 0);
        source.Mknod("null-device", 0x2000 | 0x1B6, (1 << 8) | 3);
        source.SetXattr("docs/a.txt", "user.colour", "blue"u8.ToArray());
        source.SetXattr("docs/a.txt", "user.empty", []);
        source.SetXattr("docs", "user.kind", "folder"u8.ToArray());
        source.SetXattr("docs/a.txt", "user.gone", "soon"u8.ToArray());
        source.RemoveXattr("docs/a.txt", "user.gone");
        source.Create("b.txt", 0x1B4, 1000, 1000);
        source.Write("b.txt", 0, Encoding.UTF8.GetBytes("bee"));
        source.Rename("b.txt", "docs/b-moved.txt", LibCConstants.RenameNoReplace);
        source.Create("b.txt", 0x1A4, 1000, 1000); // the old name again, after the rename
        source.Write("b.txt", 0, Encoding.UTF8.GetBytes("second bee"));
        source.Rename("b.txt", "docs/a.txt", LibCConstants.RenameExchange);
        source.Create("c.txt", 0x1A4, 1000, 1000);
        source.Rename("c.txt", "docs/b-moved.txt"); // replaces
        source.Create("setuid", 0x9ED, 0, 0); // 04755
        source.Chown("setuid", 1005, 1005);
        source.Chmod("setuid", 0xDED); // 06755
        source.Create("doomed", 0x1A4);
        source.Unlink("doomed");
        source.Mkdir("empty-dir");
        source.Rmdir("empty-dir");
        source.Mkdir("docs/deep/old");
        source.Rename("docs/deep/old", "renamed-dir");
        source.SetTimes("docs/deep/a-link", 1_600_000_000, 1_500_000_000, 123_456_789);
        source.SetTimes("to-a", 1_600_000_001, 1_500_000_001, 7);
        source.SetTimes("renamed-dir", 1_600_000_002, 1_500_000_002, 999_999_999);
    }

    /// <summary>Many small changes over a few files and directories, for crash tests.</summary>
    public static void Busy(SourceTree source, int rounds)
    {
        var rng = new Random(20260214);
        for (var dir = 0; dir < 4; dir++)
            source.Mkdir($"d{dir}");
        for (var round = 0; round < rounds; round++)
        {
            var name = $"d{round % 4}/f{round % 23}";
            if (!File.Exists(source.Full(name)))
                source.Create(name, 0x1A4, (uint)(1000 + round % 3), 1000);
            source.Write(name, rng.Next(0, 1 << 16), Fill(rng.Next(1, 3000), (byte)round));
            switch (round % 7)
            {
                case 0:
                    source.Rename(name, $"d{(round + 1) % 4}/r{round}");
                    break;
                case 1:
                    source.SetXattr(name, "user.round", Encoding.UTF8.GetBytes(round.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case 2:
                    source.Truncate(name, rng.Next(0, 1 << 17));
                    break;
                case 3 when round % 2 == 1:
                    source.Unlink(name);
                    break;
            }
        }
    }

    public static byte[] Fill(int length, byte value)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, value);
        return bytes;
    }
}
