namespace Vellum.Testing;

/// <summary>One difference between two trees: the relative path ("." for the root), the field, and both values.</summary>
public sealed record TreeDifference(string Path, string Field, string Expected, string Actual)
{
    public override string ToString() => $"{Path}: {Field} expected {Expected}, actual {Actual}";
}

/// <summary>Thrown by <see cref="TreeComparison.AssertEqual"/>; the message lists the first differences.</summary>
public sealed class TreeComparisonException : Exception
{
    public TreeComparisonException(string message)
        : base(message)
    {
    }

    public TreeComparisonException()
    {
    }

    public TreeComparisonException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
