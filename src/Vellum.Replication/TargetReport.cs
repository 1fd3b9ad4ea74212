using System.Text;

namespace Vellum.Replication;

/// <summary>
/// What a target says of its own state for one journal, in each acknowledgement of a session of
/// protocol version 3 or later (docs/replication.md, "Acknowledgements"): whether it keeps a
/// mirror of the journal and whether that mirror stopped (with the reason it stopped for), and
/// whether the replica store's disk is full.
/// </summary>
public readonly record struct TargetReport(TargetMirrorState Mirror, bool DiskFull, string? MirrorProblem)
{
    /// <summary>The longest reason a report carries, in UTF-8 bytes.</summary>
    public const int MaxProblemSize = WireFormat.MaxMessageSize;

    internal const uint HasMirrorFlag = 1;
    internal const uint MirrorStoppedFlag = 2;
    internal const uint DiskFullFlag = 4;
    internal const uint KnownFlags = HasMirrorFlag | MirrorStoppedFlag | DiskFullFlag;

    internal uint Flags =>
        (Mirror == TargetMirrorState.None ? 0 : HasMirrorFlag)
        | (Mirror == TargetMirrorState.Stopped ? MirrorStoppedFlag : 0)
        | (DiskFull ? DiskFullFlag : 0);

    /// <summary>The reason's bytes on the wire: only a stopped mirror has one, cut to <see cref="MaxProblemSize"/> at a character boundary.</summary>
    internal byte[] ProblemBytes()
    {
        if (Mirror != TargetMirrorState.Stopped || string.IsNullOrEmpty(MirrorProblem))
            return [];
        var text = MirrorProblem;
        while (Encoding.UTF8.GetByteCount(text) > MaxProblemSize)
            text = text[..^1];
        return Encoding.UTF8.GetBytes(text);
    }

    /// <returns>The report, or null with the problem when the flags are not a state a target can be in.</returns>
    internal static TargetReport? FromWire(uint flags, string problem, out string? wrong)
    {
        wrong = (flags & ~KnownFlags) != 0 ? $"unknown state flags 0x{flags & ~KnownFlags:X}"
            : (flags & (HasMirrorFlag | MirrorStoppedFlag)) == MirrorStoppedFlag ? "a stopped mirror without a mirror"
            : problem.Length > 0 && (flags & MirrorStoppedFlag) == 0 ? "a reason without a stopped mirror"
            : null;
        if (wrong is not null)
            return null;
        var mirror = (flags & MirrorStoppedFlag) != 0 ? TargetMirrorState.Stopped
            : (flags & HasMirrorFlag) != 0 ? TargetMirrorState.Following
            : TargetMirrorState.None;
        return new TargetReport(mirror, (flags & DiskFullFlag) != 0, mirror == TargetMirrorState.Stopped ? problem : null);
    }
}

/// <summary>A target's mirror of one journal, as the target reports it.</summary>
public enum TargetMirrorState
{
    /// <summary>The target keeps no mirror (vellum serve without --mirror).</summary>
    None = 0,

    /// <summary>The mirror applies what arrives.</summary>
    Following = 1,

    /// <summary>The mirror stopped at a transaction it could not apply; the journal is still received.</summary>
    Stopped = 2,
}
