using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using Vellum.Journal.Format;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// A <c>vellum serve</c> target's copy of a journal, read over a fetch session
/// (docs/replication.md, "Fetch sessions"): the same TLS, secret and handshake as replication,
/// then requests for ranges of store positions. The target checks that its copy starts with
/// the same first record before it accepts.
/// </summary>
public sealed class RemoteStoreCopy(ReplicationTarget target, byte[] secret) : IStoreCopy
{
    private const int RequestSize = 16;
    private const int ReplyFixedSize = 8;

    private TcpClient? _client;
    private Stream? _handshake;
    private Stream? _stream;

    public string Name => target.ToString();

    public async ValueTask CheckSameJournalAsync(byte[] firstRecord, CancellationToken cancellation)
    {
        var journalId = JournalOf(firstRecord);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(WireFormat.HandshakeTimeout);
        try
        {
            _client = new TcpClient { NoDelay = true };
            await _client.ConnectAsync(target.Host, target.Port, timeout.Token).ConfigureAwait(false);
            _handshake = await SourceConnection.SecureAsync(_client.GetStream(), target, timeout.Token).ConfigureAwait(false);
            var nonce = HandshakeProof.NewNonce();
            var hello = new Handshake.Hello(journalId, nonce, firstRecord) { Kind = SessionKind.Fetch, OldestVersion = WireFormat.FetchVersion, NewestVersion = WireFormat.FetchVersion };
            await Handshake.WriteHelloAsync(_handshake, hello, timeout.Token).ConfigureAwait(false);
            Handshake.Challenge challenge;
            try
            {
                challenge = await Handshake.ReadChallengeAsync(_handshake, timeout.Token).ConfigureAwait(false);
            }
            catch (ReplicationRefusedException closed)
            {
                throw new StoreRepairException($"{Name}: {closed.Message} (a vellum serve before replication protocol {WireFormat.FetchVersion} has no fetch sessions and closes: upgrade it)", closed);
            }
            await Handshake.WriteProofAsync(_handshake, HandshakeProof.Source(secret, journalId, nonce, challenge.Nonce), timeout.Token).ConfigureAwait(false);
            var verdict = await Handshake.ReadVerdictAsync(_handshake, timeout.Token).ConfigureAwait(false);
            if (!verdict.Accepted)
                throw new StoreRepairException($"{Name} refused: {verdict.Message}") { OtherJournal = verdict.NoCopy };
            if (!HandshakeProof.Matches(HandshakeProof.Target(secret, journalId, nonce, challenge.Nonce), verdict.Proof))
                throw new StoreRepairException($"{Name} did not prove it knows the journal's secret");
            var keys = SessionKeys.Derive(secret, journalId, nonce, challenge.Nonce);
            _stream = _handshake is SslStream ? await SourceConnection.SealAsync(_client.GetStream(), keys, timeout.Token).ConfigureAwait(false) : _handshake;
        }
        catch (Exception failed) when (failed is IOException or SocketException or ReplicationRefusedException or System.Security.Authentication.AuthenticationException
            || (failed is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            if (failed is StoreRepairException)
                throw;
            var reason = failed is OperationCanceledException ? $"no complete handshake within {WireFormat.HandshakeTimeout.TotalSeconds:0} s" : failed.Message;
            throw new StoreRepairException($"{Name}: {reason}", failed);
        }
    }

    public async ValueTask<byte[]?> ReadAsync(long position, int length, CancellationToken cancellation)
    {
        var stream = _stream ?? throw new InvalidOperationException("the copy is read after its journal was checked");
        var bytes = new byte[length];
        var request = new byte[RequestSize];
        var head = new byte[ReplyFixedSize];
        for (var done = 0; done < length;)
        {
            var piece = Math.Min(length - done, WireFormat.MaxFetchSize);
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            silence.CancelAfter(WireFormat.SilenceLimit);
            BinaryPrimitives.WriteInt64LittleEndian(request, position + done);
            BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(8), (uint)piece);
            try
            {
                await stream.WriteAsync(request, silence.Token).ConfigureAwait(false);
                await stream.FlushAsync(silence.Token).ConfigureAwait(false);
                await stream.ReadExactAsync(head, "fetch reply", silence.Token).ConfigureAwait(false);
                var status = BinaryPrimitives.ReadUInt16LittleEndian(head);
                var messageLength = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(2));
                var dataLength = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4));
                if (status > 1 || messageLength > WireFormat.MaxMessageSize || (status == 0 ? dataLength != piece : dataLength != 0))
                    throw new StoreRepairException($"{Name} answered a fetch of {piece} bytes with a malformed reply (status {status}, {messageLength} + {dataLength} bytes)");
                var message = new byte[messageLength];
                await stream.ReadExactAsync(message, "fetch reply", silence.Token).ConfigureAwait(false);
                if (status == 1)
                    return null;
                await stream.ReadExactAsync(bytes.AsMemory(done, piece), "fetch reply", silence.Token).ConfigureAwait(false);
            }
            catch (Exception failed) when (failed is IOException or SocketException or ReplicationRefusedException or OperationCanceledException && !cancellation.IsCancellationRequested)
            {
                if (failed is StoreRepairException)
                    throw;
                throw new StoreRepairException($"{Name}: reading store positions {position + done} to {position + done + piece} failed: {(failed is OperationCanceledException ? $"no answer within {WireFormat.SilenceLimit.TotalSeconds:0} s" : failed.Message)}", failed);
            }
            done += piece;
        }
        return bytes;
    }

    /// <summary>The journal id a store's first record (its sync point) names.</summary>
    private static Guid JournalOf(byte[] firstRecord)
    {
        var header = RecordHeader.Parse(firstRecord);
        if (!JournalHeader.TryParse(firstRecord.AsSpan(JournalFormat.HeaderSize, (int)header.RecordSize - JournalFormat.MinRecordSize), out var journal, out var problem))
            throw new StoreRepairException($"the store's first record is not a readable sync point: {problem}");
        return journal!.JournalId;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            try
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _stream.WriteAsync(new byte[RequestSize], grace.Token).ConfigureAwait(false);
                await _stream.FlushAsync(grace.Token).ConfigureAwait(false);
            }
            catch (Exception gone) when (gone is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The end of the session is a courtesy: closing ends it too.
            }
            if (!ReferenceEquals(_stream, _handshake))
                await _stream.DisposeAsync().ConfigureAwait(false);
        }
        if (_handshake is not null)
            await _handshake.DisposeAsync().ConfigureAwait(false);
        _client?.Dispose();
    }
}
