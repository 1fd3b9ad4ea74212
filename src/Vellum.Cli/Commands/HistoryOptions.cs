using Vellum.Catalog;

using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>The parsed `vellum history` command line.</summary>
internal sealed record HistoryOptions(string Store, string Path, bool Json, Moment? Since, Moment? Until)
{
    /// <summary>--at: the history of what PATH named at this moment (a path deleted or reused since), rather than now or last.</summary>
    public Moment? At { get; init; }

    /// <summary>--allow-shared-journal: read a store other users may access, with a warning, instead of refusing it.</summary>
    public bool AllowSharedJournal { get; init; }
}
