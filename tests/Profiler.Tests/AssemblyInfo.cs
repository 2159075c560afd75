// These tests profile the test process itself and run real agents: one at a time, so they do not compete for the cores
// (and so the tests that set FLAMEWATCH_* variables do not race others).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
