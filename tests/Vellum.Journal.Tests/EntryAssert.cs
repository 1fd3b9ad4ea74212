using Vellum.Journal.Scanning;

using Vellum.Testing;

namespace Vellum.Journal.Tests;

internal static class EntryAssert
{
    public static void Equal(IReadOnlyList<JournalEntry> expected, IReadOnlyList<JournalEntry> actual)
    {
        for (var i = 0; i < Math.Min(expected.Count, actual.Count); i++)
            Equal(expected[i], actual[i]);
        Assert.Equal(expected.Count, actual.Count);
    }

    public static void Equal(JournalEntry expected, JournalEntry actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        if (expected is not TransactionEntry transaction)
        {
            Assert.Equal(expected, actual);
            return;
        }
        var other = (TransactionEntry)actual;
        Assert.Equal(
            (transaction.Offset, transaction.TransactionId, transaction.StreamId, transaction.BeginOffset, transaction.Operations.Count),
            (other.Offset, other.TransactionId, other.StreamId, other.BeginOffset, other.Operations.Count));
        for (var i = 0; i < transaction.Operations.Count; i++)
        {
            var difference = OperationComparer.FirstDifference(transaction.Operations[i], other.Operations[i]);
            Assert.True(difference is null, $"transaction {transaction.TransactionId}, operation {i}: {difference} differs");
        }
    }
}
