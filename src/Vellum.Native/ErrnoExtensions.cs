using System.Globalization;
using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>How an <see cref="Errno"/> reads in a message.</summary>
public static class ErrnoExtensions
{
    extension(Errno errno)
    {
        /// <summary>"ENOENT", or the number for a value <see cref="Errno"/> does not name.</summary>
        public string Name => Enum.IsDefined(errno) ? errno.ToString() : ((int)errno).ToString(CultureInfo.InvariantCulture);

        /// <summary>strerror(3): "No such file or directory".</summary>
        public string Text => Marshal.GetPInvokeErrorMessage((int)errno);
    }
}
