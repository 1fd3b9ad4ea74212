using System.Globalization;
using Vellum.Native;

namespace Vellum.Host;

/// <summary>
/// What a caller of a status socket may ask, by its credentials (SO_PEERCRED, which it cannot
/// choose): the status, which says no more than the mount's own files, anyone; anything else
/// (the protocol has no other request yet: a control command would be one) root only.
/// </summary>
internal static class StatusAccess
{
    /// <summary>The one request the protocol has: connect, receive the status as one JSON object.</summary>
    public const string ReadStatus = "status";

    /// <summary>Why <paramref name="caller"/> may not make <paramref name="request"/>; null when it may.</summary>
    public static string? Refusal(PeerCredentials caller, string request) =>
        request == ReadStatus || caller.Uid == 0 ? null
        : string.Create(CultureInfo.InvariantCulture, $"'{request}' from pid {caller.Pid} (uid {caller.Uid}) refused: only root may ask a mount anything but its status");
}
