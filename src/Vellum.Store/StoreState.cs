using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>What recovery found (and, read-write, repaired): the state a store opens with.</summary>
internal sealed record StoreState(
    JournalHeader Header,
    List<Segment> Segments,
    Dictionary<ushort, ulong> Open,
    ulong LastBegun,
    RecoveryReport Recovery,
    StoreDamagedException? Damage);
