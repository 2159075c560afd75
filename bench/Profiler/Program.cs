using System.Globalization;
using Flamewatch.Bench.Profiler;

// Usage: dotnet run -c Release --project bench/Profiler [-- --rounds N --window S --rate default|A|both]
// Measures, on one target pinned to CPU 0 (hot loop + sleeping thread), alternating windows of: no profiling, the
// in-process Profiler (inside the target, so its own work competes with the hot loop), and the out-of-process
// collector (pinned to CPU 1). Both at 100 Hz with 10 s periods; rate "A" restarts the target with
// DOTNET_EventPipeThreadSamplingRate=A (continuous sampling instead of duty-cycled).
if (args.Length > 0 && args[0] == TargetRole.Argument)
{
    return await TargetRole.RunAsync(args[1]);
}
var rounds = 3;
var window = 10;
var rate = "both";
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--window": window = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--rate": rate = args[i + 1]; break;
    }
}
return await new SideBySideBenchmark(rounds, TimeSpan.FromSeconds(window), rate).RunAsync();
