using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Vellum.Fuse;

/// <summary>
/// Says, once per operation, node and cause, why the daemon answered EIO: an application
/// that gets EIO has nothing else to report, and a local filesystem would not have given it
/// for most of the reasons a daemon can (a bug, a stopped journal). Bounded, so a storm of
/// failures cannot grow memory or flood the log.
/// </summary>
internal sealed class EioReport(IFuseFileSystem fileSystem, ILogger logger)
{
    private const int MaxDistinct = 1000;

    private readonly ConcurrentDictionary<(FuseOpcode, ulong, string), byte> _seen = new();
    private int _suppressed;

    public void Failed(FuseOpcode opcode, ulong node, Exception failure) =>
        Report(opcode, node, $"{failure.GetType().Name}: {failure.Message}");

    public void Answered(FuseOpcode opcode, ulong node) =>
        Report(opcode, node, "the backing file system or the journal gave EIO");

    private void Report(FuseOpcode opcode, ulong node, string cause)
    {
        if (!logger.IsEnabled(LogLevel.Warning))
            return;
        if (_seen.Count >= MaxDistinct)
        {
            if (Interlocked.Exchange(ref _suppressed, 1) == 0)
                FuseLog.EioAnswersNoLongerLogged(logger, MaxDistinct);
            return;
        }
        if (!_seen.TryAdd((opcode, node, cause), 0))
            return;
        string path;
        try
        {
            path = fileSystem.Describe(node);
        }
#pragma warning disable CA1031 // Naming the node is best effort; the EIO is reported either way.
        catch (Exception)
#pragma warning restore CA1031
        {
            path = $"node {node}";
        }
        FuseLog.AnsweredEio(logger, opcode.ToString().ToUpperInvariant(), path, cause);
    }
}
