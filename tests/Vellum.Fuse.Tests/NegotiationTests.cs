using Vellum.Fuse.Protocol;

namespace Vellum.Fuse.Tests;

public sealed class NegotiationTests
{
    [Fact]
    public void Init_takes_the_older_minor_and_only_flags_the_kernel_offers()
    {
        var offered = FuseInitFlags.AsyncRead | FuseInitFlags.ParallelDirops | FuseInitFlags.MaxPages | FuseInitFlags.InitExt | FuseInitFlags.WritebackCache;
        var request = new FuseInitIn
        {
            Major = 7,
            Minor = 46,
            MaxReadahead = 1 << 17,
            Flags = (uint)offered,
            Flags2 = (uint)((ulong)FuseInitFlags.Passthrough >> 32),
        };

        var reply = FuseInit.Negotiate(request, passthrough: true, posixAcl: false, maxWrite: 1 << 20, pageSize: 4096, out var size);

        Assert.Equal(64, size);
        Assert.Equal(45u, reply.Minor);
        Assert.Equal((uint)(FuseInitFlags.AsyncRead | FuseInitFlags.ParallelDirops | FuseInitFlags.MaxPages | FuseInitFlags.InitExt), reply.Flags);
        Assert.Equal(1u << 5, reply.Flags2);
        Assert.Equal(1u, reply.MaxStackDepth);
        Assert.Equal(256, reply.MaxPages);
        Assert.Equal(1u << 20, reply.MaxWrite);
    }

    [Fact]
    public void Init_without_passthrough_asks_for_no_stack_depth()
    {
        var request = new FuseInitIn { Major = 7, Minor = 45, Flags = (uint)FuseInitFlags.InitExt, Flags2 = 1u << 5 };

        var reply = FuseInit.Negotiate(request, passthrough: false, posixAcl: false, maxWrite: 1 << 20, pageSize: 4096, out _);

        Assert.Equal(0u, reply.Flags2);
        Assert.Equal(0u, reply.MaxStackDepth);
    }

    [Fact]
    public void Max_write_stays_within_max_pages_limit()
    {
        var limit = Path.GetTempFileName();
        try
        {
            File.WriteAllText(limit, "32\n");
            Assert.Equal(32 * 4096, FuseInit.MaxWriteFor(1 << 20, 4096, limit));
            File.WriteAllText(limit, "256\n");
            Assert.Equal(1 << 20, FuseInit.MaxWriteFor(1 << 20, 4096, limit));
        }
        finally
        {
            File.Delete(limit);
        }
    }

    [Fact]
    public void Directory_entries_are_packed_to_eight_bytes_and_stop_at_the_size_asked()
    {
        var buffer = new byte[80];
        var writer = new FuseDirectoryWriter(buffer, plus: false, new FuseTimeouts(TimeSpan.Zero, TimeSpan.Zero));
        var entry = new FuseEntry { NodeId = 5, Attr = new FuseAttr { Ino = 5, Mode = 0x81A4 } };

        Assert.True(writer.TryAdd("a"u8, entry, 1));
        Assert.True(writer.TryAdd("abcdefghi"u8, entry, 2));
        Assert.False(writer.TryAdd("abcdefghijklmnopq"u8, entry, 3));

        Assert.Equal(32 + 40, writer.Length);
        Assert.Equal(2, BitConverter.ToInt64(buffer, 32 + 8));
        Assert.Equal(9, BitConverter.ToInt32(buffer, 32 + 16));
        Assert.Equal(8, BitConverter.ToInt32(buffer, 32 + 20));
    }

    [Fact]
    public void Mountinfo_escapes_are_decoded()
    {
        Assert.Equal("/tmp/a b\\c", MountInfo.Unescape("/tmp/a\\040b\\134c"));
    }
}
