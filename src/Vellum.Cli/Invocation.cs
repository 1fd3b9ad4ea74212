namespace Vellum.Cli;

/// <summary>How the user started this program, for hints to copy: `vellum` when that is what PATH finds, else the binary's path, or `dotnet PATH/vellum.dll`.</summary>
internal static class Invocation
{
    public static string Command()
    {
        var process = Environment.ProcessPath ?? "vellum";
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
            return $"{(IsOnPath(process) ? "dotnet" : Quoted(process))} {Quoted(Path.GetFullPath(Environment.GetCommandLineArgs()[0]))}";
        return IsOnPath(process) ? "vellum" : Quoted(process);
    }

    private static bool IsOnPath(string binary)
    {
        var name = Path.GetFileName(binary);
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
                return Resolved(candidate) == Resolved(binary);
        }
        return false;
    }

    private static string Resolved(string path) =>
        File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);

    private static string Quoted(string path) => path.Contains(' ', StringComparison.Ordinal) ? $"'{path}'" : path;
}
