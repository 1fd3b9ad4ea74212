using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Vellum.Replication.Security;

namespace Vellum.Replication.Tests.Security;

/// <summary>
/// Sealed frames as docs/replication.md lays them out: what one side writes the other reads
/// whole and in order, the bytes on the wire are the documented frames and hide the payload,
/// and any frame altered, dropped, replayed, reordered, oversized or cut short is refused,
/// naming it, after everything before it was delivered.
/// </summary>
public sealed class SealedStreamTests
{
    private static readonly byte[] KeyOut = Convert.FromHexString("1655815971e25dc52b37dd1d51e98f4d");
    private static readonly byte[] KeyBack = Convert.FromHexString("c0a180f0632caaf05db346110e6c330a");

    [Fact]
    public void Frames_match_vectors_computed_outside_dotnet()
    {
        // Python's cryptography: AESGCM(key).encrypt(struct.pack("<Q", n) + bytes(4), payload, struct.pack("<I", len(payload))).
        var wire = Seal(writer =>
        {
            writer.WriteOpeningAsync(CancellationToken.None).AsTask().Wait();
            writer.Write("vellum sealed frame"u8);
        });

        Assert.Equal("0000000042b38315db1b2cef9aa1cf5c22134b45" + "13000000fc4514b82dae3ef60696090355d60ba1520d5e1661cd1a983569a577cd9c474017c9cd",
            Convert.ToHexStringLower(wire));
    }

    [Fact]
    public async Task Writes_of_any_size_arrive_whole_and_in_order_and_never_in_the_clear()
    {
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("every change is a transaction; ", 200_000)));
        int[] writes = [0, 1, 100, SealedStream.MaxPayloadSize, SealedStream.MaxPayloadSize + 1, 3 * SealedStream.MaxPayloadSize + 7, 5000];
        Assert.True(writes.Sum() <= text.Length);
        var wire = Seal(writer =>
        {
            var at = 0;
            foreach (var length in writes)
            {
                writer.Write(text.AsSpan(at, length));
                at += length;
            }
        });
        var sent = text.AsSpan(0, writes.Sum()).ToArray();

        // Frames of at most 1 MiB each, a 4-byte length and a 16-byte tag around each payload.
        var frames = FrameLengths(wire);
        Assert.All(frames, length => Assert.InRange(length, 1, SealedStream.MaxPayloadSize));
        Assert.Equal(sent.Length, frames.Sum());
        Assert.Equal(sent.Length + frames.Count * (SealedStream.HeaderSize + SealedStream.TagSize), wire.Length);
        Assert.Equal(-1, wire.AsSpan().IndexOf("every change is"u8));

        // Read back in pieces small and large (in place through the stream's own buffer, and
        // straight into the caller's), asynchronously as the target reads and synchronously as the source does.
        foreach (var piece in new[] { 7, 4096, 2 * SealedStream.MaxPayloadSize })
        {
            foreach (var synchronous in new[] { false, true })
            {
                using var reader = Reader(wire);
                var received = new MemoryStream();
                var buffer = new byte[piece];
                int read;
                while ((read = synchronous ? reader.Read(buffer.AsSpan()) : await reader.ReadAsync(buffer)) > 0)
                    received.Write(buffer, 0, read);
                Assert.True(sent.AsSpan().SequenceEqual(received.ToArray()), $"reading {piece} bytes at a time, {(synchronous ? "synchronously" : "asynchronously")}");
            }
        }
    }

    [Theory]
    [InlineData(0, 0x01, "sealed frame 1 failed authentication")] // a length one off
    [InlineData(3, 0x80, "sealed frame 1 announces 2147485648 bytes, above the limit of 1048576")]
    [InlineData(4, 0x01, "sealed frame 1 failed authentication")] // the payload's first byte
    [InlineData(500, 0x40, "sealed frame 1 failed authentication")]
    [InlineData(-1, 0x01, "sealed frame 1 failed authentication")] // the tag's last byte
    public async Task A_flipped_bit_in_a_frame_is_refused_after_the_frames_before_it(int offsetInFrame, byte flip, string expected)
    {
        var (wire, first, second) = ThreeFrames();
        var damaged = wire.ToArray();
        damaged[offsetInFrame >= 0 ? first + offsetInFrame : first + second + offsetInFrame] ^= flip;

        var (delivered, refused) = await ReadUntilRefusedAsync(damaged);

        Assert.Equal(first - SealedStream.HeaderSize - SealedStream.TagSize, delivered);
        Assert.Contains(expected, refused.Message);
    }

    [Fact]
    public async Task A_replayed_a_dropped_or_a_reordered_frame_is_refused()
    {
        var (wire, first, second) = ThreeFrames();
        var frame0 = wire[..first];
        var frame1 = wire[first..(first + second)];
        var frame2 = wire[(first + second)..];

        var (_, replayed) = await ReadUntilRefusedAsync([.. frame0, .. frame0, .. frame1, .. frame2]);
        var (_, dropped) = await ReadUntilRefusedAsync([.. frame0, .. frame2]);
        var (delivered, reordered) = await ReadUntilRefusedAsync([.. frame1, .. frame0, .. frame2]);

        Assert.Contains("sealed frame 1 failed authentication", replayed.Message);
        Assert.Contains("sealed frame 1 failed authentication", dropped.Message);
        Assert.Contains("sealed frame 0 failed authentication", reordered.Message);
        Assert.Equal(0, delivered);
    }

    [Fact]
    public async Task Frames_sealed_for_the_other_direction_are_refused()
    {
        // What the reader's side itself sent, echoed back to it.
        var echoed = new MemoryStream();
        using (var writer = new SealedStream(echoed, KeyBack, KeyOut))
            writer.Write("acknowledgement"u8);
        using var reader = Reader(echoed.ToArray());

        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => reader.ReadAsync(new byte[64]).AsTask());

        Assert.Contains("sealed frame 0 failed authentication", refused.Message);
    }

    [Fact]
    public async Task A_connection_ending_between_frames_is_the_end_and_inside_one_is_refused()
    {
        var (wire, first, _) = ThreeFrames();

        using (var whole = Reader(wire[..first]))
        {
            var buffer = new byte[first];
            Assert.Equal(first - SealedStream.HeaderSize - SealedStream.TagSize, await whole.ReadAsync(buffer));
            Assert.Equal(0, await whole.ReadAsync(buffer));
        }
        var (_, insideHeader) = await ReadUntilRefusedAsync(wire[..(first + 2)]);
        var (_, insideBody) = await ReadUntilRefusedAsync(wire[..(first + 100)]);

        Assert.Contains("ended inside the header of sealed frame 1", insideHeader.Message);
        Assert.Contains("ended inside sealed frame 1 (96 of", insideBody.Message);
    }

    [Fact]
    public async Task The_first_frame_must_be_empty()
    {
        var opening = Seal(writer => writer.WriteOpeningAsync(CancellationToken.None).AsTask().Wait());
        var data = Seal(writer => writer.Write("records"u8));

        using (var good = Reader(opening))
            await good.ReadOpeningAsync(CancellationToken.None);
        using var bad = Reader(data);
        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => bad.ReadOpeningAsync(CancellationToken.None).AsTask());
        using var none = Reader([]);
        var closed = await Assert.ThrowsAsync<ReplicationRefusedException>(() => none.ReadOpeningAsync(CancellationToken.None).AsTask());

        Assert.Contains("the first sealed frame carries 7 bytes; it must be empty", refused.Message);
        Assert.Contains("the connection ended before the first sealed frame", closed.Message);
    }

    [Fact]
    public async Task A_write_cancelled_before_it_began_leaves_no_gap_in_the_frames()
    {
        // As the target's acknowledgement is cancelled when its session breaks, and the closing note follows.
        var wire = new MemoryStream();
        using (var writer = new SealedStream(wire, KeyOut, KeyBack))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteAsync("never sent"u8.ToArray(), new CancellationToken(canceled: true)).AsTask());
            await writer.WriteAsync("closing note"u8.ToArray());
        }
        using var reader = Reader(wire.ToArray());
        var buffer = new byte[64];

        var read = await reader.ReadAsync(buffer);

        Assert.Equal("closing note", Encoding.ASCII.GetString(buffer, 0, read));
    }

    [Fact]
    public async Task After_a_write_that_failed_on_the_connection_nothing_more_is_sent()
    {
        var wire = new BreakingStream();
        using var writer = new SealedStream(wire, KeyOut, KeyBack);
        await writer.WriteAsync("first"u8.ToArray());
        wire.Breaking = true;
        await Assert.ThrowsAsync<IOException>(() => writer.WriteAsync("cut off"u8.ToArray()).AsTask());
        wire.Breaking = false;

        var refused = await Assert.ThrowsAsync<IOException>(() => writer.WriteAsync("after the gap"u8.ToArray()).AsTask());

        Assert.Contains("sealed frame 1 was cut off while it was being written", refused.Message);
        Assert.Equal(SealedStream.HeaderSize + 5 + SealedStream.TagSize, wire.Length);
    }

    /// <summary>A connection whose writes fail while <see cref="Breaking"/> is set, as a reset one does.</summary>
    private sealed class BreakingStream : MemoryStream
    {
        public bool Breaking { get; set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            Breaking ? ValueTask.FromException(new IOException("connection reset by peer")) : base.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>Three frames of 1,000, 2,000 and 3,000 random bytes; the wire and the first two frames' lengths on it.</summary>
    private static (byte[] Wire, int First, int Second) ThreeFrames()
    {
        var payload = RandomNumberGenerator.GetBytes(6000);
        var wire = Seal(writer =>
        {
            writer.Write(payload.AsSpan(0, 1000));
            writer.Write(payload.AsSpan(1000, 2000));
            writer.Write(payload.AsSpan(3000, 3000));
        });
        const int Overhead = SealedStream.HeaderSize + SealedStream.TagSize;
        return (wire, 1000 + Overhead, 2000 + Overhead);
    }

    private static byte[] Seal(Action<SealedStream> write)
    {
        var wire = new MemoryStream();
        using (var writer = new SealedStream(wire, KeyOut, KeyBack))
            write(writer);
        return wire.ToArray();
    }

    private static SealedStream Reader(byte[] wire) => new(new MemoryStream(wire), KeyBack, KeyOut);

    /// <summary>Reads <paramref name="wire"/> until the stream refuses it, which it must; the plaintext bytes it delivered before.</summary>
    private static async Task<(int Delivered, ReplicationRefusedException Refused)> ReadUntilRefusedAsync(byte[] wire)
    {
        using var reader = Reader(wire);
        var buffer = new byte[8192];
        var delivered = 0;
        while (true)
        {
            int read;
            try
            {
                read = await reader.ReadAsync(buffer);
            }
            catch (ReplicationRefusedException refused)
            {
                return (delivered, refused);
            }
            Assert.NotEqual(0, read);
            delivered += read;
        }
    }

    private static List<int> FrameLengths(byte[] wire)
    {
        var lengths = new List<int>();
        for (var at = 0; at < wire.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(wire.AsSpan(at));
            lengths.Add(length);
            at += SealedStream.HeaderSize + length + SealedStream.TagSize;
        }
        return lengths;
    }
}
