using Vellum.Replication.Security;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>One target receiving several journals at once, each with its own secret, each into its own directory.</summary>
public sealed class MultipleJournalsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-journals-").FullName;

    [Fact]
    public async Task Two_sources_replicate_side_by_side_each_into_its_own_replica_and_a_secret_opens_only_its_journal()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var secrets = Path.Combine(_root, "secrets");
        File.WriteAllText(secrets, $"{first} first-journal-secret\n{second} second-journal-secret\n");
        File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_root, "tls"), out _);
        await using var target = new RefusalServer(Path.Combine(_root, "target"), certificate, SecretBook.Load(secrets), output.WriteLine);
        var pin = new ReplicationTarget("127.0.0.1", target.Port, ServerPin.Fingerprint(ServerCertificate.Fingerprint(certificate)));
        using var firstSource = RefusalPeers.CreateSource(Path.Combine(_root, "first"), first, transactions: 80);
        using var secondSource = RefusalPeers.CreateSource(Path.Combine(_root, "second"), second, transactions: 50);

        using (var firstSender = new ReplicationSender(firstSource, pin, "first-journal-secret"u8.ToArray(), new CapturedLog(output.WriteLine)))
        using (var secondSender = new ReplicationSender(secondSource, pin, "second-journal-secret"u8.ToArray(), new CapturedLog(output.WriteLine)))
        using (var impostor = new ReplicationSender(secondSource, pin, "first-journal-secret"u8.ToArray(), new CapturedLog(output.WriteLine)))
        {
            firstSender.Start();
            secondSender.Start();
            impostor.Start();
            Assert.True(firstSender.WaitAcknowledged(firstSource.WrittenPosition, RefusalPeers.Guard), firstSender.Problem);
            Assert.True(secondSender.WaitAcknowledged(secondSource.WrittenPosition, RefusalPeers.Guard), secondSender.Problem);
            await target.Log.WaitForAsync($"journal {second}: wrong secret");
            Assert.Equal(-1, impostor.AcknowledgedDurable);
        }
        await target.StopAsync();

        Assert.Equal(new[] { first, second }.Select(id => id.ToString("D")).Order(StringComparer.Ordinal),
            Directory.GetDirectories(target.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Null(ReplicationRig.StoreDifference(firstSource.Directory, ReplicaJournals.StoreDirectoryFor(target.Directory, first)));
        Assert.Null(ReplicationRig.StoreDifference(secondSource.Directory, ReplicaJournals.StoreDirectoryFor(target.Directory, second)));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
