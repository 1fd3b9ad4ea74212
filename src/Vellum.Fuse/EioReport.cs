using System.Collections.Concurrent;

namespace Vellum.Fuse;

/// <summary>
/// Says, once per operation, node and cause, why the daemon answered EIO: an application
/// that gets EIO has nothing else to report, and a local filesystem would not have given it
/// for most of the reasons a daemon can (a bug, a stopped journal). Bounded, so a storm of
/// failures cannot grow memory or flood the log.
/// </summary>
internal sealed class EioReport(IFuseFileSystem fileSystem, Action<string> log)
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
        if (_seen.Count >= MaxDistinct)
        {
            if (Interlocked.Exchange(ref _suppressed, 1) == 0)
                log($"{MaxDistinct} distinct EIO answers logged; further ones are not");
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
        log($"answered EIO to {opcode.ToString().ToUpperInvariant()} on {path}: {cause}");
    }
}
