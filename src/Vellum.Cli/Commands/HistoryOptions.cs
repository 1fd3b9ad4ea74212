using Vellum.Catalog;

using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>The parsed `vellum history` command line.</summary>
internal sealed record HistoryOptions(string Store, string Path, bool Json, Moment? Since, Moment? Until)
{
    /// <summary>--allow-shared-journal: read a store other users may access, with a warning, instead of refusing it.</summary>
    public bool AllowSharedJournal { get; init; }
}
