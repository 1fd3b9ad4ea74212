namespace Vellum.Recording.Binding;

/// <summary>
/// Where what lives only while mounts run goes (the locks of backing directories, the status
/// sockets): /run/vellum as root; else the user's $XDG_RUNTIME_DIR/vellum, or /tmp/vellum-UID
/// without one.
/// </summary>
public static class RuntimeDirectory
{
    /// <summary>Root's: only root may write in /run, so nobody else can make it first.</summary>
    public const string System = "/run/vellum";

    /// <summary>This process's: <see cref="System"/> as root, else the user's.</summary>
    public static string Default =>
        Environment.IsPrivilegedProcess ? System
        : Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime ? Path.Combine(runtime, "vellum")
        : Path.Combine(Path.GetTempPath(), $"vellum-{Native.LibC.GetEuid()}");

    /// <summary>
    /// Its mode: 0755 as root, so that every user reaches root's status sockets (each says only
    /// what `vellum status` says; the locks below stay 0700), else 0700 (the user's business).
    /// </summary>
    public static UnixFileMode Mode => Environment.IsPrivilegedProcess
        ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
        : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
}
