using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>Where a sub-record's header was found, kept to place errors noticed after its bytes have passed.</summary>
internal readonly record struct SubRecordStart(SubRecordType Type, bool IsLast, long Offset, long RecordOffset);

/// <summary>
/// An open nested sub-record: its extent within the transaction payload, the children it has
/// accepted so far, and the node its children fill.
/// </summary>
internal sealed class SubRecordFrame(SubRecordStart start, long end, long limit)
{
    private readonly ChildRule[] _rules = ChildSchema.For(start.Type);
    private int _lastRule = -1;

    public SubRecordStart Start => start;

    public SubRecordType Type => start.Type;

    /// <summary>False for the unknown-size form, which ends at the child with LAST.</summary>
    public bool HasExactSize => end >= 0;

    /// <summary>Payload position just past this record, when <see cref="HasExactSize"/>.</summary>
    public long End => end;

    /// <summary>Payload position no child may pass: this record's end, or the nearest exact-size ancestor's.</summary>
    public long Limit => limit;

    public object Node { get; } = OperationDecoder.CreateNode(start.Type);

    /// <summary>Records a child (not PAD) and returns null, or returns what was expected instead.</summary>
    public string? Accept(SubRecordType child)
    {
        if (_lastRule >= 0 && _rules[_lastRule].Repeats && _rules[_lastRule].Type == child)
            return null;
        for (var i = _lastRule + 1; i < _rules.Length; i++)
        {
            if (_rules[i].Type == child)
            {
                _lastRule = i;
                return null;
            }
            if (_rules[i].Required)
                return $"{SubRecordNames.Of(_rules[i].Type)} next in {SubRecordNames.Of(Type)}";
        }
        var allowed = _rules.Skip(_lastRule + 1).Select(rule => SubRecordNames.Of(rule.Type)).ToList();
        if (_lastRule >= 0 && _rules[_lastRule].Repeats)
            allowed.Insert(0, SubRecordNames.Of(_rules[_lastRule].Type));
        return allowed.Count == 0
            ? $"no further child of {SubRecordNames.Of(Type)} (only PAD) after {SubRecordNames.Of(_rules[_lastRule].Type)}"
            : $"one of {string.Join(", ", allowed)} next in {SubRecordNames.Of(Type)} (children in the documented order, each once)";
    }

    /// <summary>A required child not seen by the time the record ended, if any.</summary>
    public SubRecordType? FirstMissing()
    {
        for (var i = _lastRule + 1; i < _rules.Length; i++)
        {
            if (_rules[i].Required)
                return _rules[i].Type;
        }
        return null;
    }
}
