using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vellum.Replication.Security;

/// <summary>
/// The byte stream of a session after its TLS handshake (docs/replication.md, "Sealed
/// frames"): each write goes out as frames of up to <see cref="MaxPayloadSize"/> bytes, each
/// sealed with AES-128-GCM under the session's key for that direction and numbered by a
/// counter in its nonce, so a frame altered, dropped, replayed or moved is refused where it
/// is read. It replaces SslStream's record layer for the records and acknowledgements:
/// 1 MiB frames sealed in one call each, against SslStream's 16 KiB records, each with a
/// trip through its memory BIO; on this machine that more than halves the CPU per byte.
/// Reading and writing may run at once on different threads; each has its own state.
/// </summary>
public sealed class SealedStream : LayeredStream
{
    public const int MaxPayloadSize = 1 << 20;
    public const int HeaderSize = 4;
    public const int TagSize = 16;
    private const int NonceSize = 12;

    private readonly AesGcm _sealer;
    private readonly AesGcm _opener;
    private readonly byte[] _sealBuffer = new byte[HeaderSize + MaxPayloadSize + TagSize];
    private readonly byte[] _openHeader = new byte[HeaderSize];
    private readonly byte[] _openBuffer = new byte[MaxPayloadSize + TagSize];
    private ulong _sealedFrames;
    private ulong _openedFrames;
    private int _plainStart;
    private int _plainEnd;
    private bool _cutOff;

    /// <param name="inner">The connection under TLS: frames go on it as they are.</param>
    /// <param name="sealKey">The key of what this side sends.</param>
    /// <param name="openKey">The key of what the peer sends.</param>
    public SealedStream(Stream inner, byte[] sealKey, byte[] openKey)
        : base(inner)
    {
        _sealer = new AesGcm(sealKey, TagSize);
        _opener = new AesGcm(openKey, TagSize);
    }

    /// <summary>Sends the source's empty first frame, by which the target knows the peer has left TLS (docs/replication.md).</summary>
    public async ValueTask WriteOpeningAsync(CancellationToken cancellation)
    {
        await Inner.WriteAsync(_sealBuffer.AsMemory(0, Seal([])), cancellation).ConfigureAwait(false);
        await Inner.FlushAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Reads the peer's first frame, which must be empty.</summary>
    public async ValueTask ReadOpeningAsync(CancellationToken cancellation)
    {
        var length = await OpenNextAsync(Memory<byte>.Empty, cancellation).ConfigureAwait(false);
        if (length != 0)
            throw new ReplicationRefusedException(length < 0 ? "the connection ended before the first sealed frame" : $"the first sealed frame carries {length} bytes; it must be empty");
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var payload = buffer[..Math.Min(buffer.Length, MaxPayloadSize)];
            EnsureNoGap();
            var length = Seal(payload);
            try
            {
                Inner.Write(_sealBuffer, 0, length);
            }
            catch
            {
                _cutOff = true;
                throw;
            }
            buffer = buffer[payload.Length..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var payload = buffer[..Math.Min(buffer.Length, MaxPayloadSize)];
            EnsureNoGap();
            // Cancelled before sealing, the frame's number stays free for the next write.
            cancellationToken.ThrowIfCancellationRequested();
            var length = Seal(payload.Span);
            try
            {
                await Inner.WriteAsync(_sealBuffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _cutOff = true;
                throw;
            }
            buffer = buffer[payload.Length..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Refuses to write once a frame's write failed: the frame may have gone out in part or not
    /// at all, and the peer would refuse whatever follows as a dropped or altered frame, a
    /// misleading reason for what was a write cut off here.
    /// </summary>
    private void EnsureNoGap()
    {
        if (_cutOff)
            throw new IOException($"sealed frame {_sealedFrames - 1} was cut off while it was being written: nothing more can be sent on this session");
    }

    /// <summary>Writes <paramref name="payload"/> as the next frame into the seal buffer; returns the frame's length.</summary>
    private int Seal(ReadOnlySpan<byte> payload)
    {
        var header = _sealBuffer.AsSpan(0, HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, _sealedFrames++);
        _sealer.Encrypt(nonce, payload, _sealBuffer.AsSpan(HeaderSize, payload.Length), _sealBuffer.AsSpan(HeaderSize + payload.Length, TagSize), header);
        return HeaderSize + payload.Length + TagSize;
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
            return 0;
        while (_plainStart == _plainEnd)
        {
            var read = Inner.ReadAtLeast(_openHeader, HeaderSize, throwOnEndOfStream: false);
            if (FrameLength(read) is not { } length)
                return 0;
            read = Inner.ReadAtLeast(_openBuffer.AsSpan(0, length + TagSize), length + TagSize, throwOnEndOfStream: false);
            if (Open(length, read, buffer) is var opened and > 0 && _plainStart == _plainEnd)
                return opened; // opened straight into the caller's buffer
        }
        return Take(buffer);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
            return 0;
        while (_plainStart == _plainEnd)
        {
            var opened = await OpenNextAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (opened < 0)
                return 0;
            if (opened > 0 && _plainStart == _plainEnd)
                return opened; // opened straight into the caller's buffer
        }
        return Take(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Take(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _openBuffer.AsSpan(_plainStart, count).CopyTo(buffer);
        _plainStart += count;
        return count;
    }

    /// <summary>Reads and opens the next frame; returns its payload's length, or -1 when the peer closed between frames.</summary>
    private async ValueTask<int> OpenNextAsync(Memory<byte> destination, CancellationToken cancellation)
    {
        var read = await Inner.ReadAtLeastAsync(_openHeader, HeaderSize, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        if (FrameLength(read) is not { } length)
            return -1;
        read = await Inner.ReadAtLeastAsync(_openBuffer.AsMemory(0, length + TagSize), length + TagSize, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        return Open(length, read, destination.Span);
    }

    /// <summary>The payload length in the header just read (<paramref name="read"/> bytes of it); null when the peer closed before it.</summary>
    private int? FrameLength(int read)
    {
        if (read == 0)
            return null;
        if (read < HeaderSize)
            throw new ReplicationRefusedException($"the connection ended inside the header of sealed frame {_openedFrames}");
        var length = BinaryPrimitives.ReadUInt32LittleEndian(_openHeader);
        return length <= MaxPayloadSize ? (int)length
            : throw new ReplicationRefusedException($"sealed frame {_openedFrames} announces {length} bytes, above the limit of {MaxPayloadSize}");
    }

    /// <summary>
    /// Opens the frame whose payload and tag were read (<paramref name="read"/> bytes) into the
    /// open buffer: straight into <paramref name="destination"/> when it has room for the whole
    /// payload, else in place, as the plaintext left to take. Returns the payload's length.
    /// </summary>
    private int Open(int length, int read, Span<byte> destination)
    {
        var frame = _openedFrames;
        if (read < length + TagSize)
            throw new ReplicationRefusedException($"the connection ended inside sealed frame {frame} ({read} of {length + TagSize} bytes after its header)");
        var direct = destination.Length >= length;
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, frame);
        var ciphertext = _openBuffer.AsSpan(0, length);
        var plaintext = direct ? destination[..length] : ciphertext;
        try
        {
            _opener.Decrypt(nonce, ciphertext, _openBuffer.AsSpan(length, TagSize), plaintext, _openHeader);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw new ReplicationRefusedException($"sealed frame {frame} failed authentication: it was altered, dropped, replayed or moved, or is not from this session's peer; nothing of it is used");
        }
        _openedFrames = frame + 1;
        _plainStart = 0;
        _plainEnd = direct ? 0 : length;
        return length;
    }

    /// <summary>The frame's number as 8 bytes little-endian, then 4 zero bytes.</summary>
    private static void WriteNonce(Span<byte> nonce, ulong frame)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(nonce, frame);
        nonce[8..].Clear();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sealer.Dispose();
            _opener.Dispose();
        }
        base.Dispose(disposing);
    }
}
