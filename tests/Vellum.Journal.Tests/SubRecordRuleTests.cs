using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using static Vellum.Journal.Tests.Raw;

namespace Vellum.Journal.Tests;

/// <summary>Each sub-record rule of the format broken once, in a single-record transaction unless said.</summary>
public class SubRecordRuleTests
{
    private static readonly byte[] PadLeaf = Leaf(SubRecordType.Pad, []);

    [Fact]
    public void An_unknown_sub_record_type_is_an_error()
    {
        var error = TransactionError(Operation(SubRecordType.Mkdir, Leaf((SubRecordType)0x0399, [1])));

        Assert.Equal("a known sub-record type", error.Expected);
        Assert.StartsWith("unknown type 0x0399", error.Found);
    }

    [Fact]
    public void A_non_zero_reserved_field_is_an_error()
    {
        var error = TransactionError(Operation(SubRecordType.Mkdir, Leaf(SubRecordType.Path, "a"u8, reserved: 7)));

        Assert.Equal("reserved field 0 in PATH (0x0306)", error.Expected);
        Assert.StartsWith("0x0007", error.Found);
    }

    [Fact]
    public void A_group_without_the_NESTED_bit_is_an_error()
    {
        var attr = Nested((ushort)SubRecordType.Attr, null, WithLast(U32(SubRecordType.Mode, 0x41ED)));

        var error = TransactionError(Operation(SubRecordType.Mkdir, Group(SubRecordType.Redo, attr)));

        Assert.Equal("sub-record type with NESTED set for ATTR (0x0204)", error.Expected);
        Assert.StartsWith("type field 0x4204", error.Found);
    }

    [Fact]
    public void A_leaf_with_the_NESTED_bit_is_an_error()
    {
        var error = TransactionError(Operation(SubRecordType.Mkdir, Leaf(SubRecordType.Path, "a"u8, flags: SubRecordFlags.Nested)));

        Assert.Equal("sub-record type with NESTED clear for leaf PATH (0x0306)", error.Expected);
    }

    [Fact]
    public void Non_zero_alignment_padding_after_a_leaf_is_an_error()
    {
        var error = TransactionError(Operation(SubRecordType.Mkdir, Leaf(SubRecordType.Path, "a"u8, padding: 0x55)));

        Assert.Equal("zero alignment padding after PATH (0x0306)", error.Expected);
        Assert.StartsWith("0x55 at byte ", error.Found);
    }

    [Fact]
    public void Children_out_of_the_documented_order_are_an_error()
    {
        var error = TransactionError(Group(SubRecordType.Mkdir, Cred(), Time()));

        Assert.Equal("TIME (0x0301) next in MKDIR (0x0102)", error.Expected);
        Assert.StartsWith("CRED (0x0201)", error.Found);
    }

    [Fact]
    public void A_later_child_before_an_earlier_one_is_an_error()
    {
        var error = TransactionError(Operation(SubRecordType.Rename, Leaf(SubRecordType.Path2, "b"u8), Leaf(SubRecordType.Path, "a"u8)));

        Assert.Equal("one of INODE (0x0308), GENERATION (0x0309), REDO (0x0202), UNDO (0x0203), RESULT (0x0206) next in RENAME (0x0108) (children in the documented order, each once)", error.Expected);
        Assert.StartsWith("PATH (0x0306)", error.Found);
    }

    [Fact]
    public void A_repeated_child_is_an_error()
    {
        var error = TransactionError(Operation(SubRecordType.Mkdir, Leaf(SubRecordType.Path, "a"u8), Leaf(SubRecordType.Path, "b"u8)));

        Assert.Contains("next in MKDIR (0x0102)", error.Expected);
        Assert.StartsWith("PATH (0x0306)", error.Found);
    }

    [Fact]
    public void A_repeated_leaf_at_the_end_of_a_group_is_an_error()
    {
        var attr = Group(SubRecordType.Attr, U64(SubRecordType.Rdev, 1), U64(SubRecordType.Rdev, 2));

        var error = TransactionError(Operation(SubRecordType.Mknod, Group(SubRecordType.Redo, attr)));

        Assert.Equal("no further child of ATTR (0x0204) (only PAD) after RDEV (0x030F)", error.Expected);
    }

    [Fact]
    public void Several_XATTR_groups_may_follow_each_other_in_a_state()
    {
        var xattr = Group(SubRecordType.Xattr, Leaf(SubRecordType.XattrName, "user.a"u8));
        var journal = new TestJournal();
        journal.AddRecord(0x0100 | StreamId.Begin | StreamId.End, 1,
            Operation(SubRecordType.SetXattr, Group(SubRecordType.Redo, U32(SubRecordType.Flags, 1), xattr, xattr, xattr)));

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Equal(3, Assert.IsType<TransactionEntry>(result.Entries[^1]).Operations[0].Redo!.Xattrs.Count);
    }

    [Fact]
    public void An_operation_without_TIME_is_an_error()
    {
        var error = TransactionError(Group(SubRecordType.Mkdir, PadLeaf));

        Assert.Equal("TIME (0x0301) in MKDIR (0x0102)", error.Expected);
        Assert.Contains("ending without it", error.Found);
    }

    [Fact]
    public void An_operation_without_CRED_is_an_error()
    {
        var error = TransactionError(Group(SubRecordType.Mkdir, Time()));

        Assert.Equal("CRED (0x0201) in MKDIR (0x0102)", error.Expected);
    }

    [Fact]
    public void CRED_without_PID_is_an_error()
    {
        var cred = Group(SubRecordType.Cred, U32(SubRecordType.Uid, 1), U32(SubRecordType.Gid, 1));

        var error = TransactionError(Group(SubRecordType.Mkdir, Time(), cred));

        Assert.Equal("PID (0x0304) in CRED (0x0201)", error.Expected);
    }

    [Fact]
    public void XATTR_without_a_name_is_an_error()
    {
        var xattr = Group(SubRecordType.Xattr, Leaf(SubRecordType.XattrValue, "v"u8));

        var error = TransactionError(Operation(SubRecordType.SetXattr, Group(SubRecordType.Redo, xattr)));

        Assert.Equal("XATTR_NAME (0x0315) next in XATTR (0x0205)", error.Expected);
        Assert.StartsWith("XATTR_VALUE (0x0316)", error.Found);
    }

    [Theory]
    [InlineData(SubRecordType.Uid, 8, "UID (0x0302) data of exactly 4 bytes")]
    [InlineData(SubRecordType.Uid, 0, "UID (0x0302) data of exactly 4 bytes")]
    [InlineData(SubRecordType.Gid, 3, "GID (0x0303) data of exactly 4 bytes")]
    [InlineData(SubRecordType.Time, 8, "TIME (0x0301) data of exactly 12 bytes")]
    public void A_fixed_size_leaf_of_another_length_is_an_error(SubRecordType type, int length, string expected)
    {
        var leaf = Leaf(type, new byte[length]);
        var payload = type == SubRecordType.Time
            ? Group(SubRecordType.Mkdir, leaf, Cred())
            : Group(SubRecordType.Mkdir, Time(), Group(SubRecordType.Cred, type == SubRecordType.Uid ? leaf : U32(SubRecordType.Uid, 1),
                type == SubRecordType.Gid ? leaf : U32(SubRecordType.Gid, 1), U32(SubRecordType.Pid, 1)));

        var error = TransactionError(payload);

        Assert.Equal(expected, error.Expected);
        Assert.StartsWith($"{length} bytes", error.Found);
    }

    [Theory]
    [InlineData(SubRecordType.Comm, 17, "COMM (0x0305)")]
    [InlineData(SubRecordType.Path, 1_048_577, "PATH (0x0306)")]
    [InlineData(SubRecordType.Path2, 1_048_577, "PATH2 (0x0307)")]
    [InlineData(SubRecordType.Target, 4097, "TARGET (0x0314)")]
    [InlineData(SubRecordType.Label, 4097, "LABEL (0x0317)")]
    [InlineData(SubRecordType.XattrName, 256, "XATTR_NAME (0x0315)")]
    [InlineData(SubRecordType.XattrValue, 65537, "XATTR_VALUE (0x0316)")]
    [InlineData(SubRecordType.Pad, 1, "PAD (0x0000)")]
    public void A_variable_leaf_over_its_limit_is_an_error(SubRecordType type, int length, string name)
    {
        var leaf = Leaf(type, new byte[length]);
        var payload = type switch
        {
            SubRecordType.Comm => Group(SubRecordType.Mkdir, Time(), Group(SubRecordType.Cred,
                U32(SubRecordType.Uid, 1), U32(SubRecordType.Gid, 1), U32(SubRecordType.Pid, 1), leaf)),
            SubRecordType.Path or SubRecordType.Path2 or SubRecordType.Pad => Operation(SubRecordType.Rename, leaf),
            SubRecordType.XattrName => Operation(SubRecordType.SetXattr, Group(SubRecordType.Redo, Group(SubRecordType.Xattr, leaf))),
            SubRecordType.XattrValue => Operation(SubRecordType.SetXattr, Group(SubRecordType.Redo,
                Group(SubRecordType.Xattr, Leaf(SubRecordType.XattrName, "n"u8), leaf))),
            _ => Operation(SubRecordType.Symlink, Group(SubRecordType.Redo, leaf)),
        };

        var error = TransactionError(payload);

        Assert.Equal($"{name} data of at most {length - 1} bytes", error.Expected);
        Assert.StartsWith($"{length} bytes", error.Found);
    }

    [Fact]
    public void A_timestamp_with_a_billion_nanoseconds_or_more_is_an_error()
    {
        var error = TransactionError(Group(SubRecordType.Mkdir, Time(nanoseconds: 1_000_000_000), Cred()));

        Assert.Equal("nanoseconds below 1000000000 in TIME (0x0301)", error.Expected);
        Assert.StartsWith("1000000000 in the leaf at byte", error.Found);
    }

    [Fact]
    public void An_attribute_timestamp_with_too_many_nanoseconds_is_an_error()
    {
        var attr = Group(SubRecordType.Attr, Time(SubRecordType.Mtime, 5, uint.MaxValue));

        var error = TransactionError(Operation(SubRecordType.SetAttr, Group(SubRecordType.Redo, attr)));

        Assert.Equal("nanoseconds below 1000000000 in MTIME (0x030D)", error.Expected);
    }

    [Fact]
    public void LAST_on_a_top_level_operation_is_an_error()
    {
        var error = TransactionError(WithLast(Operation(SubRecordType.Mkdir)));

        Assert.Equal("LAST clear on a top-level operation", error.Expected);
    }

    [Fact]
    public void A_final_child_without_LAST_is_an_error()
    {
        var error = TransactionError(Nested((ushort)SubRecordType.Mkdir | SubRecordFlags.Nested, null, Time(), Cred()));

        Assert.Equal("LAST on CRED (0x0201), the final child of MKDIR (0x0102)", error.Expected);
        Assert.StartsWith("LAST clear", error.Found);
    }

    [Fact]
    public void LAST_on_a_child_that_is_not_the_final_one_is_an_error()
    {
        var error = TransactionError(Nested((ushort)SubRecordType.Mkdir | SubRecordFlags.Nested, null,
            WithLast(Time()), Cred()));

        Assert.Equal("LAST only on the final child of MKDIR (0x0102)", error.Expected);
        Assert.StartsWith("LAST on TIME (0x0301) with ", error.Found);
    }

    [Fact]
    public void An_unknown_size_record_that_reaches_the_end_of_its_exact_size_parent_without_LAST_is_an_error()
    {
        var redo = Nested((ushort)SubRecordType.Redo | SubRecordFlags.Nested, 0, U64(SubRecordType.Offset, 1));

        var error = TransactionError(Operation(SubRecordType.Write, redo));

        Assert.StartsWith("a LAST child ending REDO (0x0202) (unknown size", error.Expected);
    }

    [Theory]
    [InlineData(8u)]
    [InlineData(20u)]
    [InlineData(31u)]
    public void An_exact_nested_size_that_is_not_a_multiple_of_8_of_at_least_16_is_an_error(uint size)
    {
        var redo = Nested((ushort)SubRecordType.Redo | SubRecordFlags.Nested, size, WithLast(U64(SubRecordType.Offset, 1)));

        var error = TransactionError(Operation(SubRecordType.Write, redo));

        Assert.Equal("size 0 (unknown) or a multiple of 8 of at least 16 for REDO (0x0202)", error.Expected);
        Assert.StartsWith($"size {size}", error.Found);
    }

    [Fact]
    public void A_child_larger_than_what_is_left_of_its_parent_is_an_error()
    {
        var cred = Nested((ushort)SubRecordType.Cred | SubRecordFlags.Nested, 16,
            U32(SubRecordType.Uid, 1), U32(SubRecordType.Gid, 1), WithLast(U32(SubRecordType.Pid, 1)));

        var error = TransactionError(Group(SubRecordType.Mkdir, Time(), cred));

        Assert.Equal("UID (0x0302) to fit in the 8 bytes left in its enclosing record", error.Expected);
    }

    [Fact]
    public void A_nested_record_larger_than_its_parent_is_an_error()
    {
        var redo = Nested((ushort)SubRecordType.Redo | SubRecordFlags.Nested, 1024, WithLast(U64(SubRecordType.Offset, 1)));

        var error = TransactionError(Operation(SubRecordType.Write, redo));

        Assert.Equal("REDO (0x0202) to fit in the 24 bytes left in its enclosing record", error.Expected);
    }

    [Fact]
    public void A_leaf_size_below_the_header_size_is_an_error()
    {
        var error = TransactionError(Operation(SubRecordType.Mkdir, Leaf(SubRecordType.Path, [], size: 4)));

        Assert.Equal("a leaf size of at least 8 for PATH (0x0306)", error.Expected);
    }

    [Theory]
    [InlineData(SubRecordType.Cred, "CRED (0x0201)")]
    [InlineData(SubRecordType.Redo, "REDO (0x0202)")]
    [InlineData(SubRecordType.Pad, "PAD (0x0000)")]
    [InlineData(SubRecordType.Path, "PATH (0x0306)")]
    public void Top_level_sub_records_must_be_operations(SubRecordType type, string name)
    {
        var payload = type switch
        {
            SubRecordType.Cred => Cred(),
            SubRecordType.Redo => Group(SubRecordType.Redo, PadLeaf),
            _ => Leaf(type, []),
        };

        var error = TransactionError(payload);

        Assert.Equal("an operation at the top level of the transaction", error.Expected);
        Assert.StartsWith(name, error.Found);
    }

    [Fact]
    public void A_group_in_the_wrong_parent_is_an_error()
    {
        var error = TransactionError(Operation(SubRecordType.SetAttr, Group(SubRecordType.Attr, U32(SubRecordType.Mode, 1))));

        Assert.Contains("next in SET_ATTR (0x010B)", error.Expected);
        Assert.StartsWith("ATTR (0x0204)", error.Found);
    }

    [Fact]
    public void UNDO_in_a_journal_that_is_not_reversible_is_an_error()
    {
        var payload = Operation(SubRecordType.Unlink, Group(SubRecordType.Undo, PadLeaf));

        var error = TransactionError(payload, reversible: false);

        Assert.Equal("no UNDO group, as the journal header does not set the reversible flag", error.Expected);
        var journal = new TestJournal(reversible: true);
        journal.AddRecord(0x0100 | StreamId.Begin | StreamId.End, 1, payload);
        Assert.Null(JournalScanner.ReadAll(journal.ToArray()).Error);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(60)]
    public void A_committed_transaction_ending_inside_a_sub_record_is_an_error(int length)
    {
        var error = TransactionError(Operation(SubRecordType.Mkdir, Leaf(SubRecordType.Path, "abcdefghijklmnopqrstuvwxyz"u8))[..length]);

        Assert.Equal("the committed transaction to end after a complete top-level operation", error.Expected);
        Assert.StartsWith("its payload ending ", error.Found);
    }

    [Fact]
    public void A_committed_transaction_ending_inside_leaf_padding_is_an_error()
    {
        // PATH "a" ends the operation: one data byte, then seven padding bytes.
        var operation = Operation(SubRecordType.Mkdir, Leaf(SubRecordType.Path, "a"u8));

        var error = TransactionError(operation[..^4]);

        Assert.StartsWith("its payload ending inside the padding after PATH (0x0306)", error.Found);
    }

    [Fact]
    public void An_error_is_placed_at_the_record_holding_the_offending_sub_record_header()
    {
        var payload = Operation(SubRecordType.Mkdir, Leaf(SubRecordType.Path, "a"u8, reserved: 1));
        var pathAt = payload.Length - 16;
        var journal = new TestJournal();
        journal.AddRecord(0x0100 | StreamId.Begin, 1, payload.AsSpan(0, pathAt + 2));
        var holding = journal.AddRecord(0x0100, 1, payload.AsSpan(pathAt + 2, 1));
        journal.AddRecord(0x0100 | StreamId.End, 1, payload.AsSpan(pathAt + 3));

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Equal(JournalErrorKind.Corrupt, result.Error?.Kind);
        Assert.Equal(journal.RecordOffsets[1], result.Error!.Offset);
        Assert.NotEqual(holding, result.Error.Offset);
        Assert.EndsWith($"(sub-record at byte {journal.RecordOffsets[1] + 16 + pathAt})", result.Error.Found);
    }

    [Fact]
    public void A_declared_4_GiB_DATA_leaf_is_refused_without_allocating_it()
    {
        var data = Leaf(SubRecordType.Data, [], size: uint.MaxValue);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = TransactionError(Operation(SubRecordType.Write, UnknownGroup(SubRecordType.Redo, data)));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal($"DATA (0x0313) data of at most {Array.MaxLength} bytes (the most this reader can hold)", error.Expected);
        Assert.StartsWith("4294967287 bytes", error.Found);
        Assert.True(allocated < 20 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_huge_declared_leaf_in_a_tiny_input_allocates_only_what_arrives()
    {
        var data = Leaf(SubRecordType.Data, [1, 2, 3, 4, 5, 6, 7, 8], size: (uint)Array.MaxLength);
        var payload = Concat(Nested((ushort)SubRecordType.Write | SubRecordFlags.Nested, 0, Time(), Cred(),
            Nested((ushort)SubRecordType.Redo | SubRecordFlags.Nested, 0, data)));
        var journal = new TestJournal();
        journal.AddRecord(0x0100 | StreamId.Begin, 1, payload);
        journal.AddRecord(0x0100 | StreamId.End, 1, new byte[1000]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = JournalScanner.ReadAll(journal.ToArray());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(JournalErrorKind.Corrupt, result.Error?.Kind);
        Assert.Equal(journal.RecordOffsets[2], result.Error!.Offset);
        Assert.Contains($"with {Array.MaxLength - 8L - 8 - 1000} bytes of DATA (0x0313)", result.Error.Found);
        Assert.True(allocated < 20 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(SubRecordType.Path, 0xFFFFFFFFu, "PATH (0x0306) data of at most 1048576 bytes")]
    [InlineData(SubRecordType.XattrValue, 0x80000000u, "XATTR_VALUE (0x0316) data of at most 65536 bytes")]
    public void A_huge_declared_length_is_checked_against_the_leaf_limit_first(SubRecordType type, uint size, string expected)
    {
        var leaf = Leaf(type, [], size: size);
        var payload = type == SubRecordType.Path
            ? Operation(SubRecordType.Mkdir, leaf)
            : Operation(SubRecordType.SetXattr, UnknownGroup(SubRecordType.Redo, UnknownGroup(SubRecordType.Xattr, Leaf(SubRecordType.XattrName, "n"u8), leaf)));

        var error = TransactionError(payload);

        Assert.Equal(expected, error.Expected);
        Assert.StartsWith($"{size - 8} bytes", error.Found);
    }

    [Fact]
    public void A_sub_record_size_near_4_GiB_in_an_exact_parent_is_an_error()
    {
        var redo = Nested((ushort)SubRecordType.Redo | SubRecordFlags.Nested, 0xFFFFFFF8, WithLast(U64(SubRecordType.Offset, 1)));

        var error = TransactionError(Operation(SubRecordType.Write, redo));

        Assert.Equal("REDO (0x0202) to fit in the 24 bytes left in its enclosing record", error.Expected);
        Assert.StartsWith("size 4294967288", error.Found);
    }

    private static JournalError TransactionError(byte[] payload, bool reversible = false)
    {
        var journal = new TestJournal(reversible);
        var at = journal.AddRecord(0x0100 | StreamId.Begin | StreamId.End, 1, payload);
        var result = JournalScanner.ReadAll(journal.ToArray());
        Assert.NotNull(result.Error);
        Assert.Equal(JournalErrorKind.Corrupt, result.Error.Kind);
        Assert.Equal(at, result.Error.Offset);
        return result.Error;
    }
}
