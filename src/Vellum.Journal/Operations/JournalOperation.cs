using Vellum.Journal.Format;

namespace Vellum.Journal.Operations;

/// <summary>
/// One filesystem change as the journal records it. Paths are bytes relative to the
/// mount root (Linux names need not be UTF-8). Which parts each kind carries is the
/// table in docs/journal-format.md; the encoder writes whatever is set.
/// </summary>
public sealed class JournalOperation
{
    public SubRecordType Kind { get; set; }
    public JournalTimestamp Time { get; set; }
    public Credentials Credentials { get; set; } = new();
    public byte[]? Path { get; set; }
    public byte[]? Path2 { get; set; }
    public ulong? Inode { get; set; }
    public ulong? Generation { get; set; }

    /// <summary>The new state the operation produced.</summary>
    public OperationState? Redo { get; set; }

    /// <summary>The prior state needed to roll the operation back; only in reversible journals.</summary>
    public OperationState? Undo { get; set; }

    /// <summary>What the operation left behind, recorded after it ran; journaled mounts write it.</summary>
    public OperationResult? Result { get; set; }
}

/// <summary>The RESULT group: the node and directories as the operation left them.</summary>
public sealed class OperationResult
{
    /// <summary>The node's inode on the source after the operation (the new one for a create).</summary>
    public ulong? Inode { get; set; }

    public NodeAttributes? Attributes { get; set; }

    /// <summary>The modification time of PATH's directory after the operation.</summary>
    public JournalTimestamp? DirMtime { get; set; }

    /// <summary>The modification time of PATH2's directory after the operation.</summary>
    public JournalTimestamp? Dir2Mtime { get; set; }
}

/// <summary>Who made the change: the CRED group.</summary>
public sealed class Credentials
{
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public uint Pid { get; set; }

    /// <summary>The process's command name, at most 16 bytes.</summary>
    public byte[]? Command { get; set; }
}

/// <summary>The contents of a REDO or UNDO group.</summary>
public sealed class OperationState
{
    public NodeAttributes? Attributes { get; set; }
    public ulong? Offset { get; set; }
    public ulong? Length { get; set; }
    public uint? Flags { get; set; }

    /// <summary>A symlink's target.</summary>
    public byte[]? Target { get; set; }

    /// <summary>Checkpoint or snapshot name.</summary>
    public byte[]? Label { get; set; }

    public List<ExtendedAttribute> Xattrs { get; } = [];

    /// <summary>File bytes: written data, overwritten data, a truncated tail, a destroyed file's content.</summary>
    public ReadOnlyMemory<byte>? Data { get; set; }
}

/// <summary>The ATTR group; each field is present only when set.</summary>
public sealed class NodeAttributes
{
    public uint? Mode { get; set; }
    public uint? Uid { get; set; }
    public uint? Gid { get; set; }
    public ulong? Size { get; set; }
    public JournalTimestamp? Atime { get; set; }
    public JournalTimestamp? Mtime { get; set; }
    public JournalTimestamp? Ctime { get; set; }
    public ulong? Rdev { get; set; }
}

/// <summary>An XATTR group: a name and, when the attribute exists, its value.</summary>
public sealed record ExtendedAttribute(byte[] Name, byte[]? Value);
