namespace Vellum.Testing;

/// <summary>Waiting for a condition with a deadline, checked often: a test's synchronisation without sleeps.</summary>
public static class Poll
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false once <paramref name="patience"/> passed without it.</summary>
    public static bool Until(Func<bool> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            Thread.Sleep(20);
        }
        return true;
    }
}
