namespace Vellum.Fifo;

/// <summary>The kernel's id of the current boot: a ring file from another boot holds nothing trustworthy.</summary>
public static class BootId
{
    public static Guid Current() => Guid.Parse(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim());
}
