using System.Diagnostics;

namespace Vellum.Testing;

/// <summary>
/// Small python3 programs on unix sockets, run as root or as `nobody` (setpriv, which execs:
/// the process's pid is the program's): what another local program, honest or not, does with
/// a status socket.
/// </summary>
public static class SocketScript
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Binds a socket at argv[1]; prints "bound", or the error and exits 1. Exiting leaves the file, as a killed process does.</summary>
    public const string Bind = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX)
        try:
            s.bind(sys.argv[1])
        except OSError as e:
            print(e.strerror)
            sys.exit(1)
        print("bound")
        """;

    /// <summary>Connects to argv[1] and prints all it receives.</summary>
    public const string Receive = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        sys.stdout.write(data.decode())
        """;

    /// <summary>
    /// Listens at argv[1] (its directory made if missing; both open to all, as the umask allows
    /// nothing to be kept from them), prints "listening", and sends argv[2] to every connection
    /// until killed.
    /// </summary>
    public const string Serve = """
        import os, socket, sys
        os.umask(0)
        os.makedirs(os.path.dirname(sys.argv[1]), 0o777, exist_ok=True)
        s = socket.socket(socket.AF_UNIX)
        s.bind(sys.argv[1])
        s.listen(4)
        print("listening", flush=True)
        while True:
            c, _ = s.accept()
            c.sendall(sys.argv[2].encode())
            c.close()
        """;

    public static ProcessStartInfo StartInfo(string script, bool asNobody, params string[] args)
    {
        string[] python = ["/usr/bin/python3", "-c", script, .. args];
        return new ProcessStartInfo(asNobody ? "setpriv" : python[0], asNobody ? ["--reuid=nobody", "--regid=nogroup", "--clear-groups", .. python] : python[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
    }

    /// <summary>Runs <paramref name="script"/> to the end.</summary>
    public static ScriptResult Run(string script, bool asNobody, params string[] args)
    {
        using var child = Process.Start(StartInfo(script, asNobody, args))!;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(Patience))
        {
            child.Kill();
            throw new TimeoutException($"the script did not finish:\n{script}");
        }
        return new ScriptResult(child.Id, child.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    /// <summary>Starts <see cref="Serve"/> and returns once it listens; the caller kills it.</summary>
    public static Process StartServer(bool asNobody, string path, string reply)
    {
        var server = Process.Start(StartInfo(Serve, asNobody, path, reply))!;
        var first = server.StandardOutput.ReadLineAsync();
        if (!first.Wait(Patience) || first.Result != "listening")
        {
            server.Kill();
            throw new InvalidOperationException($"the socket server did not start: {server.StandardError.ReadToEnd()}");
        }
        return server;
    }
}

/// <summary>How a <see cref="SocketScript"/> ended, and its pid (what a server saw of it).</summary>
public sealed record ScriptResult(int Pid, int ExitCode, string Output, string Error)
{
    public override string ToString() => $"pid {Pid}, exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
