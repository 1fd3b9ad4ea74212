namespace Vellum.Cli.Commands;

/// <summary>The parsed `vellum mirror` command line.</summary>
internal sealed record MirrorOptions(string Store, string Replica, bool Follow)
{
    public static bool TryParse(IReadOnlyList<string> args, out MirrorOptions options, out string problem)
    {
        options = new MirrorOptions("", "", false);
        problem = "";
        string? store = null;
        string? replica = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string? value = null;
            if (name.StartsWith("--", StringComparison.Ordinal) && name.IndexOf('=', StringComparison.Ordinal) is var equals and > 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            switch (name)
            {
                case "--follow" when value is null:
                    options = options with { Follow = true };
                    break;
                case "--store" or "--to":
                    if (value is null && i + 1 < args.Count)
                        value = args[++i];
                    if (string.IsNullOrEmpty(value))
                    {
                        problem = $"{name} needs a directory; usage: {MirrorCommand.Usage}";
                        return false;
                    }
                    if (name == "--store")
                        store = value;
                    else
                        replica = value;
                    break;
                default:
                    problem = $"unexpected argument '{args[i]}'; usage: {MirrorCommand.Usage}";
                    return false;
            }
        }
        if (store is null || replica is null)
        {
            problem = $"both --store and --to are needed; usage: {MirrorCommand.Usage}";
            return false;
        }
        options = options with { Store = store, Replica = replica };
        return true;
    }
}
