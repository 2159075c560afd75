using System.Globalization;
using Flamewatch.Bench.Profiling;

// Usage: dotnet run --project bench/Profiling [-- --rounds N --window S]
// Measures side by side, in one run, on the same pinned target: no profiling, Flamewatch at 100 Hz without the
// sampler knob (duty-cycled), Flamewatch with DOTNET_EventPipeThreadSamplingRate=A (continuous), and
// `dotnet-trace collect` with its defaults. Prints throughput ratios, collector CPU and peak RSS per 10 s, and the
// pprof size of a 45 s period. Then the truth matrix: each dimension on .NET 8, 9 and 10 against known workloads.
// Then exceptions and lock contention on and off, on an exception-heavy and a contention-heavy target.
// `-- truth` runs the truth matrix alone; `-- new-types` the exceptions and lock-contention comparison alone.
var rounds = 3;
var window = 10;
if (args.Contains("truth"))
{
    return await new TruthMatrix(TimeSpan.FromSeconds(6)).RunAsync();
}
for (var i = 0; i + 1 < args.Length; i++)
{
    switch (args[i])
    {
        case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--window": window = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
    }
}
if (args.Contains("new-types"))
{
    return await new OverheadBenchmark(rounds, TimeSpan.FromSeconds(window)).RunNewTypesAsync();
}
var overhead = await new OverheadBenchmark(rounds, TimeSpan.FromSeconds(window)).RunAsync();
if (overhead == 0)
{
    overhead = await new OverheadBenchmark(rounds, TimeSpan.FromSeconds(window)).RunNewTypesAsync();
}
return overhead != 0 ? overhead : await new TruthMatrix(TimeSpan.FromSeconds(6)).RunAsync();
