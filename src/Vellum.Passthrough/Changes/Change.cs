namespace Vellum.Passthrough;

/// <summary>
/// One modifying operation as it reaches the backing directory, described before it runs.
/// Which members are set depends on <see cref="Kind"/>; unset node ids are 0, unset
/// descriptors -1:
/// <list type="bullet">
/// <item>Create, Mkdir, Mknod, Symlink: <see cref="Parent"/>/<see cref="Name"/>, <see cref="Mode"/> (type and permission bits after the umask), <see cref="Rdev"/> (Mknod), <see cref="Data"/> = target (Symlink), <see cref="Flags"/> = open flags (Create).</item>
/// <item>Link: <see cref="Node"/> gets the new name <see cref="Parent"/>/<see cref="Name"/>.</item>
/// <item>Unlink, Rmdir: <see cref="Parent"/>/<see cref="Name"/>.</item>
/// <item>Rename: <see cref="Parent"/>/<see cref="Name"/> to <see cref="NewParent"/>/<see cref="NewName"/>, <see cref="Flags"/> = <see cref="RenameFlags"/>.</item>
/// <item>Write: <see cref="Node"/>, <see cref="Handle"/>, <see cref="Data"/> at <see cref="Offset"/>, <see cref="Flags"/> = the handle's open flags (O_SYNC, O_DSYNC).</item>
/// <item>Truncate: <see cref="Node"/> emptied by an open; <see cref="Flags"/> = open flags.</item>
/// <item>SetAttr: <see cref="Node"/>, <see cref="Attributes"/>.</item>
/// <item>SetXattr, RemoveXattr: <see cref="Node"/>, <see cref="XattrName"/>, <see cref="Data"/> = value, <see cref="Flags"/> = XATTR_CREATE / XATTR_REPLACE.</item>
/// <item>Fallocate: <see cref="Node"/>, <see cref="Handle"/>, <see cref="Flags"/> = mode, <see cref="Offset"/>, <see cref="Length"/>.</item>
/// <item>CopyFileRange: <see cref="Length"/> bytes from <see cref="SourceNode"/> at <see cref="SourceOffset"/> into <see cref="Node"/> at <see cref="Offset"/>.</item>
/// <item>Fsync, FsyncDir: <see cref="Node"/>, <see cref="Handle"/>, <see cref="Flags"/> = 1 for fdatasync.</item>
/// </list>
/// Descriptors are the backing ones (O_PATH for nodes), valid only during the recorder
/// call, so a recorder can read prior state with *at() calls (for example the victim of
/// an unlink through <see cref="ParentFd"/> and <see cref="Name"/>). Spans are borrowed too.
/// </summary>
public readonly ref struct Change
{
    public Change()
    {
        NodeFd = -1;
        ParentFd = -1;
        NewParentFd = -1;
        HandleFd = -1;
        SourceFd = -1;
    }

    public ChangeKind Kind { get; init; }
    public Caller Caller { get; init; }
    public ulong Node { get; init; }
    public int NodeFd { get; init; }
    public ulong Parent { get; init; }
    public int ParentFd { get; init; }
    public ReadOnlySpan<byte> Name { get; init; }
    public ulong NewParent { get; init; }
    public int NewParentFd { get; init; }
    public ReadOnlySpan<byte> NewName { get; init; }
    public ulong Handle { get; init; }
    public int HandleFd { get; init; }
    public ReadOnlySpan<byte> Data { get; init; }
    public ReadOnlySpan<byte> XattrName { get; init; }
    public long Offset { get; init; }
    public long Length { get; init; }
    public uint Mode { get; init; }
    public uint Rdev { get; init; }
    public int Flags { get; init; }
    public SetAttrRequest Attributes { get; init; }
    public ulong SourceNode { get; init; }
    public int SourceFd { get; init; }
    public long SourceOffset { get; init; }
}
