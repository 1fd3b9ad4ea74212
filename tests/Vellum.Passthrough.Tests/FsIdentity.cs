using Vellum.Native;

namespace Vellum.Passthrough.Tests;

/// <summary>
/// Runs an action on a fresh thread whose filesystem uid and gid are a given user's, so the
/// kernel itself shows what that user's plain syscalls produce. setfsuid and setfsgid
/// are per thread, so nothing else in the process is affected.
/// </summary>
internal static class FsIdentity
{
    public static void RunAs(uint uid, uint gid, Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            LibC.SetFsGid(gid);
            LibC.SetFsUid(uid);
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                LibC.SetFsUid(0);
                LibC.SetFsGid(0);
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("the action failed under the caller's identity", failure);
        }
    }
}
