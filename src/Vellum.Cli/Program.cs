using System.Reflection;
using Vellum.Cli;
using Vellum.Cli.Commands;
using Vellum.Journal.Format;

var version = Assembly.GetExecutingAssembly().GetName().Version;
switch (args)
{
    case ["mount", .. var rest]:
        return MountCommand.Run(rest);
    case ["umount", .. var rest]:
        return UmountCommand.Run(rest);
    case ["log", .. var rest]:
        return LogCommand.Run(rest);
    case ["demo", .. var rest]:
        return DemoCommand.Run(rest);
    case ["mirror", .. var rest]:
        return MirrorCommand.Run(rest);
    case ["status", .. var rest]:
        return StatusCommand.Run(rest);
    case ["serve", .. var rest]:
        return ServeCommand.Run(rest);
    case ["version"] or ["--version"]:
        Console.WriteLine($"vellum {version} (writes journal format {JournalFormat.Version}, reads formats {JournalFormat.OldestReadableVersion} to {JournalFormat.Version})");
        return 0;
    case [] or ["help"] or ["--help"] or ["-h"]:
        Console.WriteLine($"""
            usage: vellum COMMAND

              {DemoCommand.Usage}
                         set up DIR (default ./vellum-demo) with a journaled mount and
                         a live mirror of its journal; Ctrl-C unmounts
              {MountCommand.Usage}
                         serve BACKING at MOUNTPOINT in the foreground until Ctrl-C,
                         SIGTERM or 'vellum umount', every change a journal
                         transaction in DIR (default ~/.local/state/vellum/journals/
                         NAME); fsync waits for the journal unless --sync none;
                         --replicate streams it to 'vellum serve' targets, and
                         --sync remote makes fsync wait for their acknowledgements
              {ServeCommand.Usage}
                         receive journals from mounts started with --replicate into
                         DIR/<journal id>, acknowledge them once durable, and keep
                         --mirror DIR/<journal id> equal to each; Ctrl-C stops
              {UmountCommand.Usage}
                         stop the mount served at MOUNTPOINT
              {LogCommand.Usage}
                         print the transactions of a store directory or a journal
                         file, one line (or JSON object) per operation; --follow
                         waits for new ones until Ctrl-C or SIGTERM
              {MirrorCommand.Usage}
                         apply a store's transactions to a replica directory;
                         --follow keeps applying new ones until Ctrl-C or SIGTERM
              {StatusCommand.Usage}
                         show a journaled mount's journal position (written /
                         durable), FIFO use, stalls and operations per second
              vellum version
                         print the program and journal format versions
            """);
        return 0;
    default:
        return Cli.Fail($"unknown command '{string.Join(' ', args)}'; run 'vellum help'");
}
