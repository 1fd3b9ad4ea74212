// Each test mounts in this process: one at a time keeps the mounts' daemon threads off each other's cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
