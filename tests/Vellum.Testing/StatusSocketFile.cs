using System.Security.Cryptography;
using System.Text;

namespace Vellum.Testing;

/// <summary>
/// The status socket file of a journaled mount served as root (docs/status.md). A daemon a
/// test kills leaves it, and only a later mount at the same mountpoint would replace it: the
/// test helpers that kill daemons remove it, or every test would leave one in /run/vellum.
/// </summary>
public static class StatusSocketFile
{
    /// <summary>/run/vellum/status/ and the first 32 hex digits of the SHA-256 of the mountpoint's full path.</summary>
    public static string Of(string mountPoint) =>
        Path.Combine("/run/vellum/status", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(mountPoint)))[..32]);

    /// <summary>Removes the file a killed daemon left at <paramref name="mountPoint"/>: call once the daemon is gone.</summary>
    public static void RemoveLeftBy(string mountPoint) => File.Delete(Of(mountPoint));
}
