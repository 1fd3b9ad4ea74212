using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Fifo.Tests;

/// <summary>Small operations for transactions whose content does not matter, only their records.</summary>
internal static class SampleOperations
{
    public static JournalOperation Create(string path) => new()
    {
        Kind = SubRecordType.Create,
        Time = new JournalTimestamp(1_700_000_000, 5),
        Credentials = new Credentials { Uid = 1000, Gid = 100, Pid = 42, Command = "test"u8.ToArray() },
        Path = Encoding.UTF8.GetBytes(path),
        Inode = 77,
        Redo = new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4 } },
    };
}
