using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>
/// A <see cref="SafeHandle"/>'s descriptor borrowed for the length of some calls: the handle
/// is not closed (and its number not given to another file) until the lease is disposed,
/// even if the handle is disposed meanwhile.
/// </summary>
public ref struct DescriptorLease
{
    private readonly SafeHandle _handle;
    private bool _added;

    public DescriptorLease(SafeHandle handle)
    {
        _handle = handle;
        handle.DangerousAddRef(ref _added);
        Fd = (int)handle.DangerousGetHandle();
    }

    public int Fd { get; }

    public void Dispose()
    {
        if (_added)
        {
            _handle.DangerousRelease();
            _added = false;
        }
    }
}
