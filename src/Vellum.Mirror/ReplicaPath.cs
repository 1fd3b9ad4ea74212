namespace Vellum.Mirror;

/// <summary>
/// A journal path checked to stay inside the replica by its spelling alone: relative, not
/// empty, no NUL, and every component a real name (not empty, "." or ".."). What the
/// spelling cannot rule out, a symlink on the way, <see cref="ReplicaRoot.OpenParent"/>
/// refuses when it resolves the parent.
/// </summary>
internal sealed class ReplicaPath
{
    private ReplicaPath(byte[] parent, byte[] name, string text)
    {
        Parent = parent;
        Name = name;
        Text = text;
    }

    /// <summary>The directory holding the node, relative to the root, NUL-terminated; just the NUL for the root itself.</summary>
    public byte[] Parent { get; }

    /// <summary>The last component, NUL-terminated.</summary>
    public byte[] Name { get; }

    public string Text { get; }

    public bool ParentIsRoot => Parent.Length == 1;

    public static ReplicaPath Check(byte[] path, ulong transactionId)
    {
        var text = PathText.Show(path);
        if (path.Length == 0)
            throw new MirrorPathException(transactionId, text, "is empty");
        if (path[0] == (byte)'/')
            throw new MirrorPathException(transactionId, text, "is absolute and leaves the replica");
        if (path.AsSpan().Contains((byte)0))
            throw new MirrorPathException(transactionId, text, "contains a NUL byte");
        foreach (var component in path.AsSpan().Split((byte)'/'))
        {
            var name = path.AsSpan(component);
            if (name.IsEmpty)
                throw new MirrorPathException(transactionId, text, "has an empty component");
            if (name.SequenceEqual("."u8))
                throw new MirrorPathException(transactionId, text, "has a '.' component");
            if (name.SequenceEqual(".."u8))
                throw new MirrorPathException(transactionId, text, "has a '..' component and may leave the replica");
        }
        var slash = path.AsSpan().LastIndexOf((byte)'/');
        return new ReplicaPath(
            slash < 0 ? [0] : [.. path.AsSpan(0, slash), 0],
            [.. path.AsSpan(slash + 1), 0],
            text);
    }
}
