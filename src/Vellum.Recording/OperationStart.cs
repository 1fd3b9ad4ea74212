using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>What every journaled operation opens with: its group, TIME (now) and CRED of the caller.</summary>
internal static class OperationStart
{
    /// <summary>Pushes <paramref name="operation"/> and writes TIME and CRED; the caller writes the rest and pops.</summary>
    public static void Write(TransactionWriter writer, SubRecordType operation, in Caller caller)
    {
        writer.Push(operation);
        writer.WriteLeaf(SubRecordType.Time, JournalTimestamp.Now());
        writer.Push(SubRecordType.Cred);
        writer.WriteLeaf(SubRecordType.Uid, caller.Uid);
        writer.WriteLeaf(SubRecordType.Gid, caller.Gid);
        writer.WriteLeaf(SubRecordType.Pid, caller.Pid);
        writer.Pop();
    }
}
