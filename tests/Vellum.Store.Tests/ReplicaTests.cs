using System.Buffers.Binary;
using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

namespace Vellum.Store.Tests;

/// <summary>
/// Replica stores (<see cref="StoreOptions.ReplicaOf"/>): fed a source store's raw stream
/// through <see cref="SegmentStore.AppendReplicated"/>, they must end up with the source's
/// segment files byte for byte, resume after a stop or a crash, and refuse bad records
/// keeping everything before them.
/// </summary>
public sealed class ReplicaTests : IDisposable
{
    private const long SegmentSize = 64 * 1024;
    private const int IndexSpacing = 4096;
    private const int StreamIds = 4;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-store-replica-").FullName;

    private string SourceDirectory => Path.Combine(_root, "source");

    private string ReplicaDirectory => Path.Combine(_root, "replica");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_replica_fed_the_source_stream_in_chunks_holds_the_same_files_and_transactions()
    {
        using var source = CreateSource(transactions: 400);
        var stream = ReadFrom(source, 0);
        Assert.True(source.SegmentCount >= 20, $"{source.SegmentCount} segments");
        // Multi-record transactions must be open across segment boundaries for the test to mean anything.
        Assert.Contains(Txn.ReadAll(source).Entries, entry => entry is CheckpointRecordEntry { Checkpoint.Open.Count: > 1 });

        using (var replica = OpenReplica(stream))
        {
            CatchUp(replica, source, new Random(2));
            Assert.Equal(source.WrittenPosition, replica.WrittenPosition);
            Assert.Equal(source.SegmentCount, replica.SegmentCount);
        }
        AssertSameFiles();

        using (var reopened = OpenReplica(stream))
        {
            Assert.True(reopened.Recovery.IsClean, reopened.Recovery.ToString());
            Assert.Equal(source.WrittenPosition, reopened.WrittenPosition);
            Assert.Equal(source.LastTransactionId, reopened.LastTransactionId);
            Assert.Equal(400, TransactionsFrom(reopened, 0).Count);
            foreach (var from in new ulong[] { 0, 123, 399 })
                Assert.Equal(TransactionsFrom(source, from), TransactionsFrom(reopened, from));
        }
        AssertSameFiles();
    }

    [Fact]
    public void A_replica_closed_and_reopened_along_the_way_resumes_from_its_written_position()
    {
        using var source = CreateSource(transactions: 300);
        var stream = ReadFrom(source, 0);
        var rng = new Random(3);
        foreach (var stop in new[] { 0.25, 0.5, 0.75, 1.0 })
        {
            using var replica = OpenReplica(stream);
            Assert.True(replica.Recovery.CutBytes == 0, replica.Recovery.ToString());
            CatchUp(replica, source, rng, until: (long)(stream.Length * stop));
        }
        AssertSameFiles();
    }

    [Fact]
    public void A_torn_tail_is_cut_on_reopening_and_the_replica_resumes_to_the_same_files()
    {
        using var source = CreateSource(transactions: 200);
        var stream = ReadFrom(source, 0);
        var torn = Layout(stream).First(r => r.Start > stream.Length / 2 && StreamId.IsTransaction(r.Header.Id) && r.Length >= 256);
        var rng = new Random(4);
        using (var replica = OpenReplica(stream))
            CatchUp(replica, source, rng, until: torn.End);
        var tail = ReplicaFiles()[^1];
        using (var file = File.OpenWrite(tail))
            file.SetLength(file.Length - torn.Length / 2);

        using (var replica = OpenReplica(stream))
        {
            Assert.Equal(torn.Start, replica.WrittenPosition);
            Assert.Equal(tail, replica.Recovery.File);
            Assert.Equal(torn.Length - torn.Length / 2, replica.Recovery.CutBytes);
            CatchUp(replica, source, rng);
        }
        AssertSameFiles();
    }

    [Fact]
    public void A_newest_segment_holding_part_of_its_sync_point_is_dropped_and_received_again()
    {
        using var source = CreateSource(transactions: 200);
        var stream = ReadFrom(source, 0);
        var syncPoint = Layout(stream).First(r => r.Start > stream.Length / 2 && r.Header.Id == StreamId.SyncPoint);
        var rng = new Random(5);
        int segments;
        using (var replica = OpenReplica(stream))
        {
            CatchUp(replica, source, rng, until: syncPoint.End);
            segments = replica.SegmentCount;
        }
        var newest = Path.Combine(ReplicaDirectory, SegmentName.For(syncPoint.Start));
        Assert.Equal(newest, ReplicaFiles()[^1]);
        using (var file = File.OpenWrite(newest))
            file.SetLength(syncPoint.Length / 2);

        using (var replica = OpenReplica(stream))
        {
            Assert.False(File.Exists(newest));
            Assert.Equal(segments - 1, replica.SegmentCount);
            Assert.Equal(syncPoint.Start, replica.WrittenPosition);
            CatchUp(replica, source, rng);
        }
        AssertSameFiles();
    }

    [Fact]
    public void A_transaction_open_when_the_replica_closes_stays_open_and_takes_its_continuation()
    {
        using var source = CreateSource(transactions: 200);
        var stream = ReadFrom(source, 0);
        var begin = Layout(stream).First(r => r.Start > stream.Length / 2 && StreamId.IsTransaction(r.Header.Id) && r.Header.IsBegin && !r.Header.IsEnd);
        var rng = new Random(6);
        using (var replica = OpenReplica(stream))
            CatchUp(replica, source, rng, until: begin.End);

        using (var replica = OpenReplica(stream))
        {
            Assert.Contains(new OpenTransaction(begin.Header.TransactionId, begin.Header.Id), replica.OpenTransactions);
            Assert.Contains(new OpenTransaction(begin.Header.TransactionId, begin.Header.Id), replica.Recovery.UnfinishedTransactions);
            Assert.False(replica.Recovery.UnfinishedEnded);
            Assert.Contains("kept unfinished transaction(s)", replica.Recovery.ToString());
            Assert.Equal(begin.End, replica.WrittenPosition);
            Assert.Equal(stream[..(int)begin.End], ReplicaBytes());
            CatchUp(replica, source, rng);
            Assert.Empty(replica.OpenTransactions);
        }
        AssertSameFiles();
    }

    [Fact]
    public void A_checkpoint_differing_from_the_one_the_replica_computes_is_refused()
    {
        using var source = CreateSource(transactions: 150);
        var stream = ReadFrom(source, 0);
        var checkpoint = Layout(stream).Where(r => r.Header.Id == StreamId.Checkpoint).ElementAt(1);
        var changed = stream.AsSpan((int)checkpoint.Start, checkpoint.Length).ToArray();
        // The first index entry's offset, 16 bytes off; the CRC made right again so only the content is wrong.
        var entryOffset = changed.AsSpan(JournalFormat.HeaderSize + SegmentCheckpoint.FixedSize + 8);
        BinaryPrimitives.WriteInt64LittleEndian(entryOffset, BinaryPrimitives.ReadInt64LittleEndian(entryOffset) + 16);
        RecordCodec.Seal(changed, (int)checkpoint.Header.RecordSize);

        AssertRefusedThenContinued(source, stream, checkpoint.Start, changed, checkpoint.Length, "found a different one");
    }

    [Fact]
    public void A_sync_point_of_another_journal_is_refused()
    {
        using var source = CreateSource(transactions: 150);
        var stream = ReadFrom(source, 0);
        var syncPoint = Layout(stream).Where(r => r.Header.Id == StreamId.SyncPoint).ElementAt(2);
        var other = RecordCodec.SyncPoint(source.Header with { JournalId = Guid.NewGuid() }, syncPoint.Header.TransactionId);

        AssertRefusedThenContinued(source, stream, syncPoint.Start, other, syncPoint.Length, "found journal");
    }

    [Fact]
    public void A_sync_point_inside_a_segment_not_sealed_is_refused()
    {
        using var source = CreateSource(transactions: 150);
        var stream = ReadFrom(source, 0);
        var layout = Layout(stream);
        var inside = layout[layout.FindIndex(r => r.Header.Id == StreamId.SyncPoint && r.Start > 0) + 5];
        Assert.True(StreamId.IsTransaction(inside.Header.Id));
        // Well formed and carrying the right transaction id: only its place is wrong.
        var syncPoint = RecordCodec.SyncPoint(source.Header, LastBegunBefore(layout, inside.Start));

        AssertRefusedThenContinued(source, stream, inside.Start, syncPoint, replaced: 0, "not sealed");
    }

    [Fact]
    public void A_transaction_record_directly_after_a_checkpoint_is_refused()
    {
        using var source = CreateSource(transactions: 150);
        var stream = ReadFrom(source, 0);
        var syncPoint = Layout(stream).Where(r => r.Header.Id == StreamId.SyncPoint).ElementAt(2);

        AssertRefusedThenContinued(source, stream, syncPoint.Start, [], syncPoint.Length, "expected a sync point starting the next segment");
    }

    [Fact]
    public void A_record_with_a_bad_crc_is_refused()
    {
        using var source = CreateSource(transactions: 150);
        var stream = ReadFrom(source, 0);
        var record = MidSegmentRecord(Layout(stream), r => r.Length >= 64);
        var damaged = stream.AsSpan((int)record.Start, record.Length).ToArray();
        damaged[JournalFormat.HeaderSize + 4] ^= 0x20;

        AssertRefusedThenContinued(source, stream, record.Start, damaged, record.Length, "CRC32C");
    }

    [Fact]
    public void A_begin_record_whose_id_is_not_above_the_last_is_refused()
    {
        using var source = CreateSource(transactions: 150);
        var stream = ReadFrom(source, 0);
        var layout = Layout(stream);
        var begin = MidSegmentRecord(layout, r => r.Header.IsBegin);
        var reused = stream.AsSpan((int)begin.Start, begin.Length).ToArray();
        var lastBegun = LastBegunBefore(layout, begin.Start);
        BinaryPrimitives.WriteUInt64LittleEndian(reused.AsSpan(8), lastBegun);
        RecordCodec.Seal(reused, (int)begin.Header.RecordSize);

        AssertRefusedThenContinued(source, stream, begin.Start, reused, begin.Length, $"a transaction id above {lastBegun}");
    }

    [Fact]
    public void Opening_a_replica_with_another_store_s_first_record_is_refused()
    {
        using var source = CreateSource(transactions: 20);
        var stream = ReadFrom(source, 0);
        OpenReplica(stream).Dispose();
        var before = ReplicaBytes();
        var other = RecordCodec.SyncPoint(source.Header with { JournalId = Guid.NewGuid() });

        var refused = Assert.Throws<InvalidOperationException>(() => SegmentStore.Open(ReplicaDirectory, ReplicaOptions(other)));
        Assert.Contains("not a replica", refused.Message);
        Assert.Equal(before, ReplicaBytes());
    }

    [Fact]
    public void Plain_appends_to_a_replica_and_replicated_appends_to_a_plain_store_are_refused()
    {
        using var source = CreateSource(transactions: 20);
        var stream = ReadFrom(source, 0);
        using var replica = OpenReplica(stream);
        var written = replica.WrittenPosition;

        Assert.Throws<InvalidOperationException>(() => replica.Append(Txn.Single(source.LastTransactionId + 1)));
        Assert.Equal(written, replica.WrittenPosition);
        Assert.Equal(stream[..(int)written], ReplicaBytes());

        using var plain = SegmentStore.Open(Path.Combine(_root, "plain"), Txn.Options());
        Assert.Throws<InvalidOperationException>(() => plain.AppendReplicated(Txn.Single(1)));
    }

    /// <summary>
    /// Feeds the replica up to a few records before <paramref name="badAt"/>, then one call
    /// holding those records, <paramref name="bad"/> in place of the <paramref name="replaced"/>
    /// source bytes at <paramref name="badAt"/>, and a few records more. The call must be
    /// refused at <paramref name="badAt"/> keeping everything before it, and the source's own
    /// bytes from there must then be taken, giving the source's files.
    /// </summary>
    private void AssertRefusedThenContinued(SegmentStore source, byte[] stream, long badAt, byte[] bad, int replaced, string reason)
    {
        var layout = Layout(stream);
        var from = layout[Math.Max(1, layout.FindIndex(r => r.Start == badAt) - 3)].Start;
        var to = layout[Math.Min(layout.Count - 1, layout.FindIndex(r => r.Start == badAt + replaced) + 3)].End;
        byte[] call = [.. stream.AsSpan((int)from, (int)(badAt - from)), .. bad, .. stream.AsSpan((int)(badAt + replaced), (int)(to - badAt - replaced))];
        Assert.True(from < badAt);
        var rng = new Random(7);
        using (var replica = OpenReplica(stream))
        {
            CatchUp(replica, source, rng, until: from);
            Assert.Equal(from, replica.WrittenPosition);

            var refused = Assert.Throws<RecordsRejectedException>(() => replica.AppendReplicated(call));
            Assert.Contains($"store position {badAt}:", refused.Message);
            Assert.Contains(reason, refused.Message);
            Assert.Equal(badAt, replica.WrittenPosition);
            Assert.Equal(stream[..(int)badAt], ReplicaBytes());

            CatchUp(replica, source, rng);
            Assert.Equal(stream.Length, replica.WrittenPosition);
        }
        AssertSameFiles();
    }

    /// <summary>
    /// A source store of transactions 1 to <paramref name="transactions"/> of sizes from a few
    /// bytes to most of a segment, on several stream ids; a quarter of them cut into records
    /// appended with other transactions' records in between, so that many are open across
    /// segment boundaries. Returned open read-only.
    /// </summary>
    private SegmentStore CreateSource(int transactions)
    {
        var rng = new Random(1);
        var pending = Enumerable.Range(0, StreamIds).Select(_ => new Queue<byte[]>()).ToArray();
        using (var store = SegmentStore.Open(SourceDirectory, Txn.Options(SegmentSize, IndexSpacing)))
        {
            ulong id = 0;
            while (id < (ulong)transactions || pending.Any(queue => queue.Count > 0))
            {
                var lane = rng.Next(StreamIds);
                if (pending[lane].Count == 0 && id < (ulong)transactions)
                {
                    var size = rng.Next(3) == 0 ? rng.Next(4000, 40_000) : rng.Next(10, 1500);
                    var pieces = rng.Next(4) == 0 ? rng.Next(2, 6) : 1;
                    foreach (var record in Txn.Records(++id, size, pieces, (ushort)(Txn.Stream + lane)))
                        pending[lane].Enqueue(record);
                }
                if (pending[lane].Count > 0)
                    store.Append(pending[lane].Dequeue());
            }
        }
        return SegmentStore.OpenReadOnly(SourceDirectory);
    }

    private static StoreOptions ReplicaOptions(byte[] firstRecord) => new() { ReplicaOf = firstRecord, IndexSpacing = IndexSpacing };

    /// <summary>Opens (creating, the first time) the replica of the store whose stream is <paramref name="stream"/>.</summary>
    private SegmentStore OpenReplica(byte[] stream) =>
        SegmentStore.Open(ReplicaDirectory, ReplicaOptions(stream[..Layout(stream)[0].Length]));

    /// <summary>
    /// Feeds the replica the source's bytes from the replica's written position up to
    /// <paramref name="until"/> (rounded down to a record boundary), in calls of 1 to 24 whole records.
    /// </summary>
    private static void CatchUp(SegmentStore replica, SegmentStore source, Random rng, long until = long.MaxValue)
    {
        var at = replica.WrittenPosition;
        var bytes = ReadFrom(source, at);
        var records = Layout(bytes).Where(r => at + r.End <= until).ToList();
        for (var i = 0; i < records.Count;)
        {
            var take = Math.Min(rng.Next(1, 25), records.Count - i);
            var end = records[i + take - 1].End;
            Assert.Equal(at + end, replica.AppendReplicated(bytes.AsSpan((int)records[i].Start, (int)(end - records[i].Start))));
            i += take;
        }
    }

    private static byte[] ReadFrom(SegmentStore store, long position)
    {
        using var stream = store.OpenStream(position);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>A record of a stream: where it starts, the bytes it occupies and its header.</summary>
    private readonly record struct SourceRecord(long Start, int Length, RecordHeader Header)
    {
        public long End => Start + Length;
    }

    /// <summary>The records of a stream of whole records.</summary>
    private static List<SourceRecord> Layout(byte[] stream)
    {
        var records = new List<SourceRecord>();
        for (var at = 0; at < stream.Length;)
        {
            var header = RecordHeader.Parse(stream.AsSpan(at));
            var length = JournalFormat.AlignedRecordSize((int)header.RecordSize);
            records.Add(new SourceRecord(at, length, header));
            at += length;
        }
        return records;
    }

    /// <summary>A transaction record in the second half of the stream after three other transaction records of its segment.</summary>
    private static SourceRecord MidSegmentRecord(List<SourceRecord> layout, Func<SourceRecord, bool> also)
    {
        for (var i = layout.Count / 2; i < layout.Count; i++)
        {
            if (layout.GetRange(i - 3, 4).All(r => StreamId.IsTransaction(r.Header.Id)) && also(layout[i]))
                return layout[i];
        }
        throw new InvalidOperationException("the source has no such record");
    }

    private static ulong LastBegunBefore(List<SourceRecord> layout, long position) =>
        layout.Where(r => r.Start < position && r.Header.IsBegin && StreamId.IsTransaction(r.Header.Id)).Max(r => r.Header.TransactionId);

    /// <summary>What a cursor from <paramref name="from"/> reads: each transaction, checked intact, with the store position of its last record.</summary>
    private static List<string> TransactionsFrom(SegmentStore store, ulong from)
    {
        using var cursor = store.OpenCursor(from);
        var read = new List<string>();
        while (cursor.TryRead(out var entry))
        {
            if (entry is TransactionEntry transaction)
            {
                Txn.AssertIntact(transaction);
                read.Add($"transaction {transaction.TransactionId} ending at {cursor.PositionOf(entry)}");
            }
        }
        Assert.Null(cursor.Error);
        Assert.Empty(cursor.Incomplete);
        return read;
    }

    private string[] ReplicaFiles() => [.. Directory.GetFiles(ReplicaDirectory).Order(StringComparer.Ordinal)];

    /// <summary>The replica's segment files concatenated: its stream as on disk.</summary>
    private byte[] ReplicaBytes() => [.. ReplicaFiles().SelectMany(File.ReadAllBytes)];

    private void AssertSameFiles()
    {
        var expected = Directory.GetFiles(SourceDirectory).Order(StringComparer.Ordinal).ToArray();
        var actual = ReplicaFiles();
        Assert.Equal(expected.Select(Path.GetFileName), actual.Select(Path.GetFileName));
        for (var i = 0; i < expected.Length; i++)
            Assert.True(File.ReadAllBytes(expected[i]).AsSpan().SequenceEqual(File.ReadAllBytes(actual[i])), $"{Path.GetFileName(actual[i])} differs from the source's");
    }
}
