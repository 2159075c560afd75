namespace Flamewatch.Profiling.Tests;

/// <summary>One target started with <c>DOTNET_EventPipeThreadSamplingRate=A</c> (a 10 ms sampler interval).</summary>
public sealed class KnobRateTarget : IAsyncLifetime
{
    internal TargetProcess Process { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Process = await TargetProcess.StartAsync(new Dictionary<string, string> { ["DOTNET_EventPipeThreadSamplingRate"] = "A" }, "sleep");

    public Task DisposeAsync()
    {
        Process.Dispose();
        return Task.CompletedTask;
    }
}
