namespace Vellum.Bench.Fuse;

/// <summary>The backing directory itself: the anchor every ratio is taken against.</summary>
internal sealed class NativeTarget(string backing) : MountedTarget
{
    public override string Name => "native";

    public override string Description => $"the backing directory {backing}";

    public override string WorkPath => backing;

    public override string? Unavailable() => null;

    public override void Mount()
    {
    }

    public override void Unmount()
    {
    }
}
