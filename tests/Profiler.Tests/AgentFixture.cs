using Flamewatch.TestKit.Processes;

namespace Flamewatch.ProfilerTests;

/// <summary>One real agent for a test class; tests tell their profiles apart by application name.</summary>
public sealed class AgentFixture : IAsyncLifetime
{
    private AgentProcess? _agent;

    internal AgentProcess Agent => _agent ?? throw new InvalidOperationException("The agent has not started.");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _agent = await AgentProcess.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
    }
}
