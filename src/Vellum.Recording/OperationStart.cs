using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>What every journaled operation opens with: its group, TIME (now) and CRED of the caller.</summary>
internal static class OperationStart
{
    /// <summary>The most the operation header, TIME and CRED (with a COMM of 16 bytes) take.</summary>
    public const int MaxPayload = 8 + 24 + 56 + 24;

    /// <summary>Pushes <paramref name="operation"/> and writes TIME and CRED; the caller writes the rest and pops.</summary>
    public static void Write(RecorderThread thread, SubRecordType operation, in Caller caller)
    {
        var writer = thread.Writer;
        writer.Push(operation);
        writer.WriteLeaf(SubRecordType.Time, JournalTimestamp.Now());
        writer.Push(SubRecordType.Cred);
        writer.WriteLeaf(SubRecordType.Uid, caller.Uid);
        writer.WriteLeaf(SubRecordType.Gid, caller.Gid);
        writer.WriteLeaf(SubRecordType.Pid, caller.Pid);
        Span<byte> command = stackalloc byte[JournalLimits.MaxCommLength];
        if (thread.CommandNames.Read(caller.Pid, command) is var length and > 0)
            writer.WriteLeaf(SubRecordType.Comm, command[..length]);
        writer.Pop();
    }
}
