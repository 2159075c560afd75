using System.Globalization;
using Flamewatch.Bench.Profiling;

// Usage: dotnet run --project bench/Profiling [-- --rounds N --window S]
// Measures side by side, in one run, on the same pinned target: no profiling, Flamewatch at 100 Hz without the
// sampler knob (duty-cycled), Flamewatch with DOTNET_EventPipeThreadSamplingRate=A (continuous), and
// `dotnet-trace collect` with its defaults. Prints throughput ratios, collector CPU and peak RSS per 10 s, and the
// pprof size of a 45 s period.
var rounds = 3;
var window = 10;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--window": window = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
    }
}
return await new OverheadBenchmark(rounds, TimeSpan.FromSeconds(window)).RunAsync();
