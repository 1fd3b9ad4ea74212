namespace Vellum.Cli;

/// <summary>
/// The name a mistyped command or option most likely meant, as System.CommandLine's typo
/// corrections find it: the fewest edits (at most 3, and fewer than half the name), a name
/// the typed word begins winning outright.
/// </summary>
internal static class Suggestions
{
    private const int MaxEdits = 3;

    public static string? Closest(string typed, IEnumerable<string> names)
    {
        var candidates = names.Distinct().ToList();
        var prefixed = candidates.Where(name => typed.Length > 2 && name.StartsWith(typed, StringComparison.Ordinal)).ToList();
        if (prefixed.Count == 1)
            return prefixed[0];
        return candidates
            .Select(name => (Name: name, Edits: Edits(typed, name)))
            .Where(candidate => candidate.Edits <= Math.Min(MaxEdits, candidate.Name.Length / 2))
            .OrderBy(candidate => candidate.Edits)
            .Select(candidate => candidate.Name)
            .FirstOrDefault();
    }

    /// <summary>The Levenshtein distance: insertions, deletions and substitutions turning one word into the other.</summary>
    private static int Edits(string first, string second)
    {
        var previous = new int[second.Length + 1];
        var current = new int[second.Length + 1];
        for (var j = 0; j <= second.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= first.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= second.Length; j++)
            {
                var substitution = previous[j - 1] + (first[i - 1] == second[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[second.Length];
    }
}
