namespace Vellum.Passthrough;

/// <summary>
/// A setattr: the fields named in <see cref="Fields"/> are applied in the order mode,
/// owner, size, times. <see cref="Handle"/> (with <see cref="SetAttrFields.Handle"/>) is an
/// open file handle to truncate through, as ftruncate on an open file does.
/// </summary>
public readonly record struct SetAttrRequest
{
    public SetAttrFields Fields { get; init; }
    public uint Mode { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public ulong Size { get; init; }
    public Timestamp Atime { get; init; }
    public Timestamp Mtime { get; init; }
    public ulong Handle { get; init; }

    public bool Has(SetAttrFields field) => (Fields & field) != 0;
}
