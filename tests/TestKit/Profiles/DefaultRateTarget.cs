namespace Flamewatch.TestKit.Profiles;

/// <summary>
/// One target app at the runtime's default sampler rate (~1 kHz), shared by a test class as its class fixture (started
/// in the constructor, killed on dispose).
/// </summary>
public sealed class DefaultRateTarget : IDisposable
{
    public DefaultRateTarget() => Process = Task.Run(() => TargetProcess.StartAsync()).GetAwaiter().GetResult();

    public TargetProcess Process { get; }

    public void Dispose() => Process.Dispose();
}
