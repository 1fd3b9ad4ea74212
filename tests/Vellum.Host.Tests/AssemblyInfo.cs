// Each test mounts in this process, and a mount's daemon threads share the machine's two
// cores with the programs the test runs: one test at a time keeps their timing honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
