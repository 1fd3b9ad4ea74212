using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Journal.Tests;

/// <summary>Every persisted number, pinned: a renumbering or reorder must fail here before it reaches a disk.</summary>
public class FormatConstantsTests
{
    private static readonly Dictionary<string, ushort> PinnedSubRecordTypes = new()
    {
        ["Pad"] = 0x0000,
        ["Create"] = 0x0101,
        ["Mkdir"] = 0x0102,
        ["Mknod"] = 0x0103,
        ["Symlink"] = 0x0104,
        ["Link"] = 0x0105,
        ["Unlink"] = 0x0106,
        ["Rmdir"] = 0x0107,
        ["Rename"] = 0x0108,
        ["Write"] = 0x0109,
        ["Truncate"] = 0x010A,
        ["SetAttr"] = 0x010B,
        ["SetXattr"] = 0x010C,
        ["RemoveXattr"] = 0x010D,
        ["Fallocate"] = 0x010E,
        ["Fsync"] = 0x010F,
        ["Checkpoint"] = 0x0110,
        ["Snapshot"] = 0x0111,
        ["Baseline"] = 0x0112,
        ["Cred"] = 0x0201,
        ["Redo"] = 0x0202,
        ["Undo"] = 0x0203,
        ["Attr"] = 0x0204,
        ["Xattr"] = 0x0205,
        ["Result"] = 0x0206,
        ["Time"] = 0x0301,
        ["Uid"] = 0x0302,
        ["Gid"] = 0x0303,
        ["Pid"] = 0x0304,
        ["Comm"] = 0x0305,
        ["Path"] = 0x0306,
        ["Path2"] = 0x0307,
        ["Inode"] = 0x0308,
        ["Generation"] = 0x0309,
        ["Mode"] = 0x030A,
        ["Size"] = 0x030B,
        ["Atime"] = 0x030C,
        ["Mtime"] = 0x030D,
        ["Ctime"] = 0x030E,
        ["Rdev"] = 0x030F,
        ["Offset"] = 0x0310,
        ["Length"] = 0x0311,
        ["Flags"] = 0x0312,
        ["Data"] = 0x0313,
        ["Target"] = 0x0314,
        ["XattrName"] = 0x0315,
        ["XattrValue"] = 0x0316,
        ["Label"] = 0x0317,
        ["DirMtime"] = 0x0318,
        ["Dir2Mtime"] = 0x0319,
    };

    [Fact]
    public void Journal_format_numbers_keep_their_persisted_values()
    {
        Assert.Equal(3, JournalFormat.Version);
        Assert.Equal(3, JournalFormat.MinCompatibleVersion);
        Assert.Equal(3, JournalFormat.FirstBaselineVersion);
        Assert.Equal(1, JournalFormat.OldestReadableVersion);
        Assert.Equal(0x4A56, JournalFormat.BeginMagic);
        Assert.Equal(0x764A, JournalFormat.EndMagic);
        Assert.Equal(16, JournalFormat.HeaderSize);
        Assert.Equal(12, JournalFormat.TrailerSize);
        Assert.Equal(16, JournalFormat.RecordAlignment);
        Assert.Equal(28, JournalFormat.MinRecordSize);
        Assert.Equal(16_777_216, JournalFormat.MaxRecordSize);
        Assert.Equal(16_777_188, JournalFormat.MaxPayloadSize);
        Assert.Equal(8, JournalFormat.SubRecordHeaderSize);
        Assert.Equal(8, JournalFormat.SubRecordAlignment);
        Assert.Equal(0u, JournalFormat.UnknownSubRecordSize);
        Assert.Equal(48, JournalHeader.FixedSize);
        Assert.Equal(12, JournalTimestamp.Size);
    }

    [Fact]
    public void Record_and_sub_record_alignment_round_up_as_documented()
    {
        Assert.Equal(32, JournalFormat.AlignedRecordSize(28));
        Assert.Equal(32, JournalFormat.AlignedRecordSize(32));
        Assert.Equal(48, JournalFormat.AlignedRecordSize(33));
        Assert.Equal(16_777_216, JournalFormat.AlignedRecordSize(16_777_216));
        Assert.Equal(8, JournalFormat.AlignSubRecord(8));
        Assert.Equal(16, JournalFormat.AlignSubRecord(9));
        Assert.Equal(0x1_0000_0000, JournalFormat.AlignSubRecord(uint.MaxValue));
    }

    [Fact]
    public void Stream_ids_and_control_bits_keep_their_persisted_values()
    {
        Assert.Equal(0x8000, StreamId.Begin);
        Assert.Equal(0x4000, StreamId.End);
        Assert.Equal(0x2000, StreamId.Aborted);
        Assert.Equal(0xE000, StreamId.ControlMask);
        Assert.Equal(0x1FFF, StreamId.IdMask);
        Assert.Equal(0x0000, StreamId.SyncPoint);
        Assert.Equal(0x0001, StreamId.Pad);
        Assert.Equal(0x0002, StreamId.Discontinuity);
        Assert.Equal(0x0003, StreamId.Annotation);
        Assert.Equal(0x0004, StreamId.Ack);
        Assert.Equal(0x0005, StreamId.Restart);
        Assert.Equal(0x0006, StreamId.Checkpoint);
        Assert.Equal(0x0007, StreamId.FirstReserved);
        Assert.Equal(24, SegmentCheckpoint.FixedSize);
        Assert.Equal(16, SegmentCheckpoint.EntrySize);
        Assert.Equal(0x0100, StreamId.FirstTransaction);
        Assert.Equal(0x1FFF, StreamId.LastTransaction);
    }

    [Fact]
    public void Sub_record_flags_keep_their_persisted_values()
    {
        Assert.Equal(0x8000, SubRecordFlags.Nested);
        Assert.Equal(0x4000, SubRecordFlags.Last);
        Assert.Equal(0x3FFF, SubRecordFlags.TypeMask);
    }

    [Fact]
    public void Baseline_flags_keep_their_persisted_values_and_have_no_other_members()
    {
        Assert.Equal(
            ["None=0x0", "Remove=0x1", "Name=0x2", "Reset=0x4", "Data=0x8", "Attrs=0x10", "Found=0x20", "Complete=0x40"],
            Enum.GetValues<BaselineFlags>().Select(flag => $"{flag}=0x{(uint)flag:x}"));
    }

    [Fact]
    public void Every_sub_record_type_keeps_its_persisted_code()
    {
        foreach (var (name, code) in PinnedSubRecordTypes)
            Assert.True((ushort)Enum.Parse<SubRecordType>(name) == code, $"{name} should be 0x{code:X4}");
    }

    [Fact]
    public void The_sub_record_type_enum_has_exactly_the_pinned_members()
    {
        Assert.Equal(PinnedSubRecordTypes.Keys.Order(), Enum.GetNames<SubRecordType>().Order());
        Assert.Equal(PinnedSubRecordTypes.Count, Enum.GetValues<SubRecordType>().Distinct().Count());
    }

    [Fact]
    public void Sub_record_types_are_classified_as_the_format_table_says()
    {
        foreach (var type in Enum.GetValues<SubRecordType>())
        {
            var code = (ushort)type;
            Assert.Equal(code is >= 0x0101 and <= 0x0112, SubRecordTypes.IsOperation(type));
            Assert.Equal(code is >= 0x0201 and <= 0x0206, SubRecordTypes.IsGroup(type));
            Assert.Equal(code == 0 || code >= 0x0301, SubRecordTypes.IsLeaf(type));
            Assert.NotEqual(SubRecordTypes.IsLeaf(type), SubRecordTypes.IsNestedType(type));
        }
    }

    [Fact]
    public void Leaf_data_limits_match_the_format_table()
    {
        Assert.Equal((false, 0L), SubRecordTypes.LeafDataLimit(SubRecordType.Pad));
        foreach (var type in new[] { SubRecordType.Time, SubRecordType.Atime, SubRecordType.Mtime, SubRecordType.Ctime, SubRecordType.DirMtime, SubRecordType.Dir2Mtime })
            Assert.Equal((true, 12L), SubRecordTypes.LeafDataLimit(type));
        foreach (var type in new[] { SubRecordType.Uid, SubRecordType.Gid, SubRecordType.Pid, SubRecordType.Mode, SubRecordType.Flags })
            Assert.Equal((true, 4L), SubRecordTypes.LeafDataLimit(type));
        foreach (var type in new[] { SubRecordType.Inode, SubRecordType.Generation, SubRecordType.Size, SubRecordType.Rdev, SubRecordType.Offset, SubRecordType.Length })
            Assert.Equal((true, 8L), SubRecordTypes.LeafDataLimit(type));
        Assert.Equal((false, 16L), SubRecordTypes.LeafDataLimit(SubRecordType.Comm));
        foreach (var type in new[] { SubRecordType.Path, SubRecordType.Path2 })
            Assert.Equal((false, 1_048_576L), SubRecordTypes.LeafDataLimit(type));
        foreach (var type in new[] { SubRecordType.Target, SubRecordType.Label })
            Assert.Equal((false, 4096L), SubRecordTypes.LeafDataLimit(type));
        Assert.Equal((false, 255L), SubRecordTypes.LeafDataLimit(SubRecordType.XattrName));
        Assert.Equal((false, 65536L), SubRecordTypes.LeafDataLimit(SubRecordType.XattrValue));
        Assert.Equal((false, 4_294_967_287L), SubRecordTypes.LeafDataLimit(SubRecordType.Data));
    }

    [Fact]
    public void Journal_flags_and_limits_keep_their_persisted_values()
    {
        Assert.Equal(0u, (uint)JournalFlags.None);
        Assert.Equal(1u, (uint)JournalFlags.Reversible);
        Assert.Equal(1u, (uint)JournalFlags.All);
        Assert.Equal(["All", "None", "Reversible"], Enum.GetNames<JournalFlags>().Order());
        Assert.Equal(16, JournalLimits.MaxCommLength);
        Assert.Equal(1_048_576, JournalLimits.MaxPathLength);
        Assert.Equal(4096, JournalLimits.Version1MaxPathLength);
        Assert.Equal(4096, JournalLimits.MaxTargetLength);
        Assert.Equal(255, JournalLimits.MaxXattrNameLength);
        Assert.Equal(65536, JournalLimits.MaxXattrValueLength);
        Assert.Equal(4_294_967_287L, JournalLimits.MaxDataLength);
        Assert.Equal(4096, JournalLimits.MaxHeaderStringLength);
    }
}
