namespace Vellum.TimeTravel;

/// <summary>A byte range of a file, [Start, End).</summary>
internal readonly record struct Extent(ulong Start, ulong End)
{
    public ulong Length => End - Start;
}

/// <summary>Byte ranges of one file, kept sorted and merged: those a later operation replaced.</summary>
internal sealed class ExtentSet
{
    private readonly List<Extent> _extents = [];

    public void Add(Extent extent)
    {
        var start = extent.Start;
        var end = extent.End;
        var first = _extents.FindIndex(e => e.End >= start);
        if (first < 0)
        {
            _extents.Add(extent);
            return;
        }
        var last = first;
        while (last < _extents.Count && _extents[last].Start <= end)
        {
            start = Math.Min(start, _extents[last].Start);
            end = Math.Max(end, _extents[last].End);
            last++;
        }
        _extents.RemoveRange(first, last - first);
        _extents.Insert(first, new Extent(start, end));
    }

    /// <summary>The parts of <paramref name="extent"/> outside the set, in order.</summary>
    public List<Extent> Outside(Extent extent)
    {
        var parts = new List<Extent>();
        var from = extent.Start;
        foreach (var covered in _extents)
        {
            if (covered.End <= from)
                continue;
            if (covered.Start >= extent.End)
                break;
            if (covered.Start > from)
                parts.Add(new Extent(from, covered.Start));
            from = Math.Max(from, covered.End);
            if (from >= extent.End)
                break;
        }
        if (from < extent.End)
            parts.Add(new Extent(from, extent.End));
        return parts;
    }
}
