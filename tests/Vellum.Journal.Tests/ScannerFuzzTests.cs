using System.Diagnostics;
using Vellum.Journal.Format;
using Xunit.Abstractions;

namespace Vellum.Journal.Tests;

public class ScannerFuzzTests(ITestOutputHelper output)
{
    private const int FixedSeed = 20_240_601;
    private const int FixedSeedInputs = 3_000;

    /// <summary>
    /// Runs <see cref="ScannerFuzz.Fuzz"/> on mutated valid journals and random bytes: first a
    /// fixed-seed set (the same on every run), then a fresh seed until VELLUM_FUZZ_SECONDS
    /// (default 10) have passed. Set VELLUM_FUZZ_SEED to replay a printed seed.
    /// </summary>
    [Fact]
    public void Scanning_mutated_journals_and_random_bytes_yields_only_entries_and_an_error()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("VELLUM_FUZZ_SECONDS"), out var s) ? s : 10;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("VELLUM_FUZZ_SEED"), out var given) ? given : Random.Shared.Next();
        var corpus = Corpus();

        var fixedRun = Run(corpus, FixedSeed, iterations => iterations < FixedSeedInputs);
        var clock = Stopwatch.StartNew();
        var timedRun = Run(corpus, seed, _ => clock.Elapsed.TotalSeconds < seconds);

        output.WriteLine($"fuzz: {fixedRun} inputs with fixed seed {FixedSeed}, {timedRun} inputs with seed {seed} in {clock.Elapsed.TotalSeconds:F1} s (VELLUM_FUZZ_SEED={seed} replays them)");
    }

    [Fact]
    public void The_fuzz_target_accepts_every_corpus_journal()
    {
        foreach (var journal in Corpus())
            ScannerFuzz.Fuzz(journal);
    }

    private static int Run(List<byte[]> corpus, int seed, Func<int, bool> goOn)
    {
        var iterations = 0;
        for (; goOn(iterations); iterations++)
        {
            // Each input has its own generator so any one is reproducible from (seed, iteration).
            var input = JournalMutator.Mutate(new Random(HashCode.Combine(seed, iterations)), corpus);
            try
            {
                ScannerFuzz.Fuzz(input);
            }
            catch (Exception exception)
            {
                throw new Xunit.Sdk.XunitException($"fuzz input {iterations} of seed {seed} ({input.Length} bytes: {Convert.ToBase64String(input[..Math.Min(input.Length, 4096)])}) failed: {exception}");
            }
        }
        return iterations;
    }

    private static List<byte[]> Corpus()
    {
        var corpus = new List<byte[]>();
        for (var seed = 1; seed <= 8; seed++)
            corpus.Add(TestJournal.Random(seed, transactions: 3 + seed, maxData: 300, reversible: seed % 2 == 0, abortChance: 0.2).ToArray());
        var controls = new TestJournal(lastBegun: 4);
        controls.AddControl(StreamId.Discontinuity, new byte[16]);
        controls.AddRecord(StreamId.Ack | StreamId.Begin | StreamId.End, 4, new byte[24]);
        controls.AddControl(StreamId.Restart, BitConverter.GetBytes(2UL));
        controls.AddAnnotation("annotation");
        controls.AddPad(new Random(1), 40);
        corpus.Add(controls.ToArray());
        return corpus;
    }
}
