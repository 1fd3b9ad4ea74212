using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vellum.Fuse.Protocol;

namespace Vellum.Fuse.Tests;

/// <summary>Every wire struct's size and the offsets that moved between protocol versions, from include/uapi/linux/fuse.h (7.45).</summary>
public sealed class StructLayoutTests
{
    [Fact]
    public void Every_struct_has_the_size_of_its_kernel_counterpart()
    {
        Assert.Equal(40, Unsafe.SizeOf<FuseInHeader>());
        Assert.Equal(16, Unsafe.SizeOf<FuseOutHeader>());
        Assert.Equal(64, Unsafe.SizeOf<FuseInitIn>());
        Assert.Equal(64, Unsafe.SizeOf<FuseInitOut>());
        Assert.Equal(88, Unsafe.SizeOf<FuseAttr>());
        Assert.Equal(128, Unsafe.SizeOf<FuseEntryOut>());
        Assert.Equal(104, Unsafe.SizeOf<FuseAttrOut>());
        Assert.Equal(16, Unsafe.SizeOf<FuseGetAttrIn>());
        Assert.Equal(88, Unsafe.SizeOf<FuseSetAttrIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseForgetIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseForgetOne>());
        Assert.Equal(8, Unsafe.SizeOf<FuseBatchForgetIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseMknodIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseMkdirIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseRenameIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseRename2In>());
        Assert.Equal(8, Unsafe.SizeOf<FuseLinkIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseAccessIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseInterruptIn>());
        Assert.Equal(80, Unsafe.SizeOf<FuseKstatfs>());
        Assert.Equal(24, Unsafe.SizeOf<FuseDirent>());
        Assert.Equal(16, Unsafe.SizeOf<FuseBackingMap>());
        Assert.Equal(8, Unsafe.SizeOf<FuseOpenIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseCreateIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseOpenOut>());
        Assert.Equal(24, Unsafe.SizeOf<FuseReleaseIn>());
        Assert.Equal(24, Unsafe.SizeOf<FuseFlushIn>());
        Assert.Equal(40, Unsafe.SizeOf<FuseReadIn>());
        Assert.Equal(40, Unsafe.SizeOf<FuseWriteIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseWriteOut>());
        Assert.Equal(16, Unsafe.SizeOf<FuseFsyncIn>());
        Assert.Equal(32, Unsafe.SizeOf<FuseFallocateIn>());
        Assert.Equal(24, Unsafe.SizeOf<FuseLseekIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseLseekOut>());
        Assert.Equal(56, Unsafe.SizeOf<FuseCopyFileRangeIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseSetxattrIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseGetxattrIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseGetxattrOut>());
    }

    [Fact]
    public void Fields_sit_at_the_kernel_offsets()
    {
        Assert.Equal(8, Offset<FuseInHeader>(nameof(FuseInHeader.Unique)));
        Assert.Equal(16, Offset<FuseInHeader>(nameof(FuseInHeader.NodeId)));
        Assert.Equal(24, Offset<FuseInHeader>(nameof(FuseInHeader.Uid)));
        Assert.Equal(32, Offset<FuseInHeader>(nameof(FuseInHeader.Pid)));
        Assert.Equal(36, Offset<FuseInHeader>(nameof(FuseInHeader.TotalExtLen)));
        Assert.Equal(4, Offset<FuseOutHeader>(nameof(FuseOutHeader.Error)));
        Assert.Equal(8, Offset<FuseOutHeader>(nameof(FuseOutHeader.Unique)));

        Assert.Equal(16, Offset<FuseInitIn>(nameof(FuseInitIn.Flags2)));
        Assert.Equal(16, Offset<FuseInitOut>(nameof(FuseInitOut.MaxBackground)));
        Assert.Equal(20, Offset<FuseInitOut>(nameof(FuseInitOut.MaxWrite)));
        Assert.Equal(24, Offset<FuseInitOut>(nameof(FuseInitOut.TimeGran)));
        Assert.Equal(28, Offset<FuseInitOut>(nameof(FuseInitOut.MaxPages)));
        Assert.Equal(32, Offset<FuseInitOut>(nameof(FuseInitOut.Flags2)));
        Assert.Equal(36, Offset<FuseInitOut>(nameof(FuseInitOut.MaxStackDepth)));
        Assert.Equal(40, Offset<FuseInitOut>(nameof(FuseInitOut.RequestTimeout)));

        Assert.Equal(40, Offset<FuseEntryOut>(nameof(FuseEntryOut.Attr)));
        Assert.Equal(16, Offset<FuseAttrOut>(nameof(FuseAttrOut.Attr)));
        Assert.Equal(68, Offset<FuseSetAttrIn>(nameof(FuseSetAttrIn.Mode)));
        Assert.Equal(76, Offset<FuseSetAttrIn>(nameof(FuseSetAttrIn.Uid)));
        Assert.Equal(12, Offset<FuseOpenOut>(nameof(FuseOpenOut.BackingId)));
        Assert.Equal(16, Offset<FuseReadIn>(nameof(FuseReadIn.Size)));
        Assert.Equal(32, Offset<FuseWriteIn>(nameof(FuseWriteIn.Flags)));
        Assert.Equal(16, Offset<FuseCopyFileRangeIn>(nameof(FuseCopyFileRangeIn.NodeIdOut)));
        Assert.Equal(48, Offset<FuseCopyFileRangeIn>(nameof(FuseCopyFileRangeIn.Flags)));
        Assert.Equal(40, Offset<FuseKstatfs>(nameof(FuseKstatfs.Bsize)));
        Assert.Equal(48, Offset<FuseKstatfs>(nameof(FuseKstatfs.Frsize)));
        Assert.Equal(16, Offset<FuseDirent>(nameof(FuseDirent.NameLen)));
        Assert.Equal(8, Offset<FuseSetxattrIn>(nameof(FuseSetxattrIn.SetxattrFlags)));
    }

    [Fact]
    public void Attr_properties_land_at_the_fuse_attr_offsets()
    {
        var attr = new FuseAttr
        {
            Ino = 1, Size = 2, Blocks = 3, ATime = 4, MTime = 5, CTime = 6, ATimeNsec = 7, MTimeNsec = 8, CTimeNsec = 9,
            Mode = 10, NLink = 11, Uid = 12, Gid = 13, RDev = 14, BlkSize = 15, Flags = 16,
        };
        Span<byte> bytes = stackalloc byte[88];
        MemoryMarshal.Write(bytes, in attr);
        for (var field = 0; field < 6; field++)
        {
            Assert.Equal((ulong)field + 1, BinaryPrimitives.ReadUInt64LittleEndian(bytes[(field * 8)..]));
        }

        for (var field = 0; field < 10; field++)
        {
            Assert.Equal((uint)field + 7, BinaryPrimitives.ReadUInt32LittleEndian(bytes[(48 + field * 4)..]));
        }
    }

    [Fact]
    public void Flag_opcode_and_ioctl_values_are_the_kernel_values()
    {
        Assert.Equal(0x4010E501u, FuseProtocol.DevIocBackingOpen);
        Assert.Equal(0x4004E502u, FuseProtocol.DevIocBackingClose);
        Assert.Equal(1UL << 37, (ulong)FuseInitFlags.Passthrough);
        Assert.Equal(1UL << 30, (ulong)FuseInitFlags.InitExt);
        Assert.Equal(1UL << 29, (ulong)FuseInitFlags.SetxattrExt);
        Assert.Equal(1UL << 22, (ulong)FuseInitFlags.MaxPages);
        Assert.Equal(1u << 7, (uint)FuseOpenOptions.Passthrough);
        Assert.Equal(45u, (uint)FuseOpcode.Rename2);
        Assert.Equal(47u, (uint)FuseOpcode.CopyFileRange);
        Assert.Equal(44u, (uint)FuseOpcode.ReadDirPlus);
        Assert.Equal(42u, (uint)FuseOpcode.BatchForget);
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
