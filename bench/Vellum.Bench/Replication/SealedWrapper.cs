using System.Security.Cryptography;
using Vellum.Replication.Security;

namespace Vellum.Bench.Replication;

/// <summary>
/// Sealed frames over <see cref="TcpCopy"/>'s connection, as replication sends its records
/// after the TLS handshake (docs/replication.md, "Sealed frames"), with fresh random keys:
/// the anchor for what the record layer alone costs, beside <see cref="TlsWrapper"/>'s.
/// </summary>
internal sealed class SealedWrapper : ISocketWrapper
{
    private readonly byte[] _sourceToTarget = RandomNumberGenerator.GetBytes(SessionKeys.KeySize);
    private readonly byte[] _targetToSource = RandomNumberGenerator.GetBytes(SessionKeys.KeySize);

    public Task<Stream> ServerAsync(Stream accepted) =>
        Task.FromResult<Stream>(new SealedStream(accepted, _targetToSource, _sourceToTarget));

    public Stream Client(Stream connected) => new SealedStream(connected, _sourceToTarget, _targetToSource);
}
