// Profiling tests measure real processes: run one class at a time so they do not compete for the cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
