using Vellum.Native;

namespace Vellum.Recording.Binding;

/// <summary>
/// What binding a backing directory to a journal writes, once <see cref="BackingBinder.Check"/>
/// found it safe: the directory's mark (when it lacks it or names the journal elsewhere) and the
/// journal's record of the directory (when it changed), and what to tell the operator.
/// </summary>
public sealed class BindingPlan
{
    private readonly string _journal;
    private readonly string _backing;
    private readonly JournalBinding? _recorded;
    private readonly BackingMark _mark;
    private readonly string? _markName;

    internal BindingPlan(string journal, string backing, BackingIdentity identity, Guid journalId, JournalBinding? recorded, (BackingMark Mark, string Name)? present, string? said)
    {
        _journal = journal;
        _backing = backing;
        _recorded = recorded;
        _mark = new BackingMark(journalId, journal);
        _markName = present is { } p && p.Mark == _mark ? p.Name : null;
        Binding = new JournalBinding(journalId, identity, backing, _markName);
        Said = said;
    }

    /// <summary>The binding as it stands once applied.</summary>
    public JournalBinding Binding { get; private set; }

    /// <summary>What binding did that the operator should know (a journal bound anew, a directory taken over); null for an ordinary mount.</summary>
    public string? Said { get; }

    /// <summary>
    /// Why the mark could not be stored (no extended attributes on the backing's filesystem, or
    /// not the directory's owner), after <see cref="Apply"/>; null when it is there.
    /// </summary>
    public string? MarkProblem { get; private set; }

    /// <summary>Stores the mark first, then the journal's record, which says under which name the mark went.</summary>
    public void Apply()
    {
        var markName = _markName;
        if (markName is null)
        {
            try
            {
                markName = _mark.Write(_backing);
            }
            catch (SystemCallException failure)
            {
                MarkProblem = failure.Errno.Text;
            }
        }
        Binding = Binding with { MarkName = markName };
        if (Binding != _recorded)
            Binding.Write(_journal);
    }
}
