using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Testing;

/// <summary>
/// Random operations of every kind with every field independently present or absent, sizes
/// skewed small but reaching each limit, and UNDO only when the journal is reversible.
/// </summary>
public static class RandomOperations
{
    public static readonly SubRecordType[] Kinds = [.. Enum.GetValues<SubRecordType>().Where(SubRecordTypes.IsOperation)];

    public static List<JournalOperation> Many(Random rng, int count, bool reversible, int maxData) =>
        [.. Enumerable.Range(0, count).Select(_ => Next(rng, reversible, maxData))];

    public static JournalOperation Next(Random rng, bool reversible, int maxData) => new()
    {
        Kind = Kinds[rng.Next(Kinds.Length)],
        Time = Timestamp(rng),
        Credentials = new Credentials
        {
            Uid = (uint)rng.NextInt64(0, 1L << 32),
            Gid = (uint)rng.NextInt64(0, 1L << 32),
            Pid = (uint)rng.NextInt64(0, 1L << 32),
            Command = Maybe(rng, () => Bytes(rng, JournalLimits.MaxCommLength)),
        },
        // Paths up to PATH_MAX keep generated journals small; the 1 MiB limit has tests of its own.
        Path = Maybe(rng, () => Bytes(rng, JournalLimits.Version1MaxPathLength)),
        Path2 = Maybe(rng, () => Bytes(rng, JournalLimits.Version1MaxPathLength)),
        Inode = rng.Next(2) == 0 ? null : U64(rng),
        Generation = rng.Next(2) == 0 ? null : U64(rng),
        Redo = Maybe(rng, () => State(rng, maxData)),
        Undo = reversible ? Maybe(rng, () => State(rng, maxData)) : null,
    };

    public static JournalTimestamp Timestamp(Random rng) => new(rng.NextInt64(long.MinValue, long.MaxValue), (uint)rng.Next(1_000_000_000));

    public static byte[] Bytes(Random rng, int max)
    {
        var bytes = new byte[Size(rng, max)];
        rng.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Mostly short, sometimes anywhere up to the limit, sometimes exactly at it.</summary>
    public static int Size(Random rng, int max) => rng.Next(10) switch
    {
        < 6 => rng.Next(Math.Min(max, 40) + 1),
        < 9 => rng.Next(max + 1),
        _ => max,
    };

    private static OperationState State(Random rng, int maxData)
    {
        var state = new OperationState
        {
            Attributes = Maybe(rng, () => Attributes(rng)),
            Offset = rng.Next(2) == 0 ? null : U64(rng),
            Length = rng.Next(2) == 0 ? null : U64(rng),
            Flags = rng.Next(2) == 0 ? null : (uint)rng.NextInt64(0, 1L << 32),
            Target = Maybe(rng, () => Bytes(rng, JournalLimits.MaxTargetLength)),
            Label = Maybe(rng, () => Bytes(rng, JournalLimits.MaxTargetLength)),
        };
        var xattrs = rng.Next(4);
        for (var i = 0; i < xattrs; i++)
            state.Xattrs.Add(new ExtendedAttribute(Bytes(rng, JournalLimits.MaxXattrNameLength), Maybe(rng, () => Bytes(rng, rng.Next(8) == 0 ? JournalLimits.MaxXattrValueLength : 300))));
        if (rng.Next(2) == 0)
            state.Data = Bytes(rng, rng.Next(16) == 0 ? maxData : Math.Min(maxData, 5000));
        return state;
    }

    private static NodeAttributes Attributes(Random rng) => new()
    {
        Mode = rng.Next(2) == 0 ? null : (uint)rng.NextInt64(0, 1L << 32),
        Uid = rng.Next(2) == 0 ? null : (uint)rng.NextInt64(0, 1L << 32),
        Gid = rng.Next(2) == 0 ? null : (uint)rng.NextInt64(0, 1L << 32),
        Size = rng.Next(2) == 0 ? null : U64(rng),
        Atime = rng.Next(2) == 0 ? null : Timestamp(rng),
        Mtime = rng.Next(2) == 0 ? null : Timestamp(rng),
        Ctime = rng.Next(2) == 0 ? null : Timestamp(rng),
        Rdev = rng.Next(2) == 0 ? null : U64(rng),
    };

    private static ulong U64(Random rng) => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);

    private static T? Maybe<T>(Random rng, Func<T> make) where T : class => rng.Next(2) == 0 ? null : make();
}
