using System.Reflection;
using Vellum.Journal.Format;

// The vellum command. Commands arrive with the capabilities they drive (mount, log, serve);
// today it reports what it is.
var version = Assembly.GetExecutingAssembly().GetName().Version;
switch (args)
{
    case ["version"] or ["--version"]:
        Console.WriteLine($"vellum {version} (journal format {JournalFormat.Version}, readable back to {JournalFormat.MinCompatibleVersion})");
        return 0;
    case [] or ["help"] or ["--help"] or ["-h"]:
        Console.WriteLine("""
            usage: vellum COMMAND

              version    print the program and journal format versions
              help       this text
            """);
        return 0;
    default:
        Console.Error.WriteLine($"vellum: unknown command '{string.Join(' ', args)}'; run 'vellum help'");
        return 2;
}
