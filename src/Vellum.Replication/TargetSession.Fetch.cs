using System.Buffers.Binary;
using System.Text;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// A fetch session (docs/replication.md, "Fetch sessions"): a source that proved the journal's
/// secret reads ranges of this target's copy of its store, to repair a damaged one. It never
/// takes the journal from the session receiving it, and never creates a store.
/// </summary>
internal sealed partial class TargetSession
{
    private const int FetchRequestSize = 16;
    private const int FetchReplyFixedSize = 8;

    private async Task<Accepted?> AcceptFetchAsync(Stream stream, Handshake.Hello hello, byte[] nonce, byte[] secret, CancellationToken cancellation)
    {
        var directory = ReplicaJournals.StoreDirectoryFor(journals.Directory, hello.JournalId);
        if (StoreFiles.FirstRecord(directory) is not { } first)
            return await RefuseAsync(stream, $"journal {hello.JournalId}: asked for its bytes, but this target holds no copy of it", $"journal {hello.JournalId}: this target holds no copy of it", cancellation, noCopy: true).ConfigureAwait(false);
        if (!first.AsSpan().SequenceEqual(hello.SyncPoint))
            return await RefuseAsync(stream, $"journal {hello.JournalId}: asked for its bytes with another first record", $"journal {hello.JournalId}: the copy this target holds starts with another first record (another history)", cancellation, noCopy: true).ConfigureAwait(false);
        var files = StoreFiles.List(directory);
        var end = files.Count == 0 ? 0 : files[^1].Start + new FileInfo(files[^1].Path).Length;
        var verdict = new Handshake.Verdict(true, "", HandshakeProof.Target(secret, hello.JournalId, hello.Nonce, nonce), end, end);
        await Handshake.WriteVerdictAsync(stream, verdict, cancellation).ConfigureAwait(false);
        ReplicationLog.ServingFetch(logger, _peer, hello.JournalId);
        return new Accepted(null, SessionKeys.Derive(secret, hello.JournalId, hello.Nonce, nonce), directory);
    }

    /// <summary>Answers fetch requests until the source sends the end (a request for 0 bytes) or the connection breaks.</summary>
    private async Task ServeFetchesAsync(ReadAheadStream? underTls, Stream handshake, string directory, SessionKeys keys, CancellationTokenSource timeouts, ConnectionBreak session)
    {
        await using var sealedStream = underTls is null ? null : new SealedStream(underTls, keys.TargetToSource, keys.SourceToTarget);
        if (sealedStream is not null)
            await sealedStream.ReadOpeningAsync(session.Token).ConfigureAwait(false);
        timeouts.CancelAfter(Timeout.InfiniteTimeSpan);
        var stream = (Stream?)sealedStream ?? handshake;
        var request = new byte[FetchRequestSize];
        while (true)
        {
            using (var silence = CancellationTokenSource.CreateLinkedTokenSource(session.Token))
            {
                silence.CancelAfter(WireFormat.SilenceLimit);
                await stream.ReadExactAsync(request, "fetch request", silence.Token).ConfigureAwait(false);
            }
            var position = BinaryPrimitives.ReadInt64LittleEndian(request);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(8));
            if (length == 0)
                return;
            if (length > WireFormat.MaxFetchSize || position < 0 || BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(12)) != 0)
                throw new ReplicationRefusedException($"a malformed fetch request (position {position}, {length} bytes; at most {WireFormat.MaxFetchSize})");
            var bytes = StoreFiles.TryRead(directory, position, (int)length);
            var message = bytes is null ? Encoding.UTF8.GetBytes($"this target does not hold store positions {position} to {position + length}") : [];
            var reply = new byte[FetchReplyFixedSize + message.Length + (bytes?.Length ?? 0)];
            BinaryPrimitives.WriteUInt16LittleEndian(reply, bytes is null ? (ushort)1 : (ushort)0);
            BinaryPrimitives.WriteUInt16LittleEndian(reply.AsSpan(2), (ushort)message.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(4), (uint)(bytes?.Length ?? 0));
            message.CopyTo(reply, FetchReplyFixedSize);
            bytes?.CopyTo(reply, FetchReplyFixedSize + message.Length);
            await stream.WriteAsync(reply, session.Token).ConfigureAwait(false);
            await stream.FlushAsync(session.Token).ConfigureAwait(false);
        }
    }
}
