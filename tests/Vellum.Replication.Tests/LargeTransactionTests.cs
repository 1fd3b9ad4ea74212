using Vellum.Journal.Format;
using Vellum.Mirror;
using Vellum.Replication.Security;
using Vellum.Store;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>
/// A transaction far larger than what the link carries between two cuts: the target stores
/// and acknowledges it in parts while it is still open, the source resumes inside it after
/// every cut, and a mirror of the target applies it only once it is complete.
/// </summary>
public sealed class LargeTransactionTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private const int Pieces = 96;
    private static readonly byte[] Secret = "large-transaction-secret"u8.ToArray();

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-large-").FullName;

    [Fact]
    public async Task A_transaction_cut_many_times_is_acknowledged_in_parts_resumed_inside_and_mirrored_only_whole()
    {
        var journalId = Guid.NewGuid();
        var header = JournalHeader.Create(journalId, 1, "large-source", "/data");
        using var source = SegmentStore.Open(Path.Combine(_root, "source"), new StoreOptions { Header = header, SegmentSize = 16 * MiB });
        var secrets = Path.Combine(_root, "secrets");
        File.WriteAllText(secrets, $"{journalId} {System.Text.Encoding.UTF8.GetString(Secret)}\n");
        File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var target = new RefusalServer(Path.Combine(_root, "target"), null, SecretBook.Load(secrets), output.WriteLine);
        await using var proxy = new CuttingProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, target.Port), seed: 7);
        proxy.CutAfterRandomBytes(2 * MiB, 6 * MiB);
        using var sender = new ReplicationSender(source, new ReplicationTarget("127.0.0.1", proxy.Endpoint.Port, null), Secret, new CapturedLog(output.WriteLine));
        sender.Start();

        // A create and 96 MiB written, one transaction in 96 records of about 1 MiB: the first half now, the rest later.
        var records = RefusalPeers.Records(1, Pieces * MiB - 4096, Pieces, create: true);
        foreach (var record in records.Take(Pieces / 2))
            source.Append(record);
        source.WaitDurable(source.WrittenPosition);
        var half = source.WrittenPosition;
        Assert.True(sender.WaitAcknowledged(half, TimeSpan.FromMinutes(2)), $"acknowledged {sender.AcknowledgedDurable} of {half}: {sender.Problem}");
        Assert.Equal([new OpenTransaction(1, RefusalPeers.Stream)], source.OpenTransactions);
        var replicaDirectory = ReplicaJournals.StoreDirectoryFor(target.Directory, journalId);
        var mirror = Path.Combine(_root, "mirror");
        using (var runner = MirrorRunner.Open(replicaDirectory, mirror))
            Assert.Equal(0, runner.CatchUp());
        Assert.False(File.Exists(Path.Combine(mirror, "file-1")), "the mirror applied a transaction still open");
        var cutsWhileOpen = proxy.Cuts;

        foreach (var record in records.Skip(Pieces / 2))
            source.Append(record);
        source.WaitDurable(source.WrittenPosition);
        Assert.True(sender.WaitAcknowledged(source.WrittenPosition, TimeSpan.FromMinutes(2)), $"acknowledged {sender.AcknowledgedDurable} of {source.WrittenPosition}: {sender.Problem}");
        using (var runner = MirrorRunner.Open(replicaDirectory, mirror))
            Assert.Equal(1, runner.CatchUp());

        Assert.True(cutsWhileOpen >= 5, $"only {cutsWhileOpen} cuts while the transaction was open");
        Assert.True(sender.Sessions > proxy.Cuts, $"{sender.Sessions} sessions for {proxy.Cuts} cuts");
        Assert.Null(ReplicationRig.StoreDifference(source.Directory, replicaDirectory));
        var data = new byte[Pieces * MiB - 4096];
        new Random(1).NextBytes(data);
        Assert.True(data.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(mirror, "file-1"))), "the mirrored file is not the transaction's data");
        output.WriteLine($"{proxy.Cuts} cuts ({cutsWhileOpen} while the transaction was open), {sender.Sessions} sessions, {source.SegmentCount} segments");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
