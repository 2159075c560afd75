using System.Diagnostics;
using System.Runtime.CompilerServices;
using Flamewatch;

// Profiles this program while Foo runs and uploads the profile to the agent at FLAMEWATCH_AGENT_URL
// (default http://127.0.0.1:8126). Start one with: flamewatch-agent --urls http://127.0.0.1:8126
var profiler = new Profiler(applicationName: "my-dotnet-app", labels: new() { ["my-extra-label"] = "data" });
profiler.Start();
Example.Foo();
profiler.Stop();

Console.WriteLine($"profiles collected: {profiler.Statistics.ProfilesCollected}, uploaded: {profiler.Statistics.UploadsSucceeded}, "
    + $"dropped: {profiler.Statistics.ProfilesDropped}{(profiler.Statistics.LastError is { } error ? $" (last error: {error})" : "")}");

public static class Example
{
    /// <summary>Keeps a core busy for three seconds: the hot method of the profile.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Foo()
    {
        var clock = Stopwatch.StartNew();
        var state = 1u;
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            for (var i = 0; i < 100_000; i++)
            {
                state = (state * 1664525) + 1013904223;
            }
        }
        GC.KeepAlive(state);
    }
}
