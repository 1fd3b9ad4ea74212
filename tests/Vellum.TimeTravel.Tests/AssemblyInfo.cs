// Each test mounts in this process and replays its journal many times: one test at a time
// keeps the two cores for the mount's daemon threads and the workload.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
