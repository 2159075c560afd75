using Flamewatch.Agent.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flamewatch.Agent.Tests;

/// <summary>A real agent on 127.0.0.1 with a fresh data directory (kept across <see cref="RestartAsync"/>).</summary>
internal sealed class TestAgent : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private WebApplication _app;

    private TestAgent(string dataDir, string[] extraArgs, WebApplication app, Uri baseAddress)
    {
        DataDir = dataDir;
        _extraArgs = extraArgs;
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string DataDir { get; }

    public Uri BaseAddress { get; private set; }

    public HttpClient Client { get; private set; }

    public ProfileStore Store => _app.Services.GetRequiredService<ProfileStore>();

    public IServiceProvider Services => _app.Services;

    public static async Task<TestAgent> StartAsync(params string[] extraArgs)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "flamewatch-agent-test-" + Guid.NewGuid().ToString("N")[..12]);
        var (app, address) = await LaunchAsync(dataDir, extraArgs);
        return new TestAgent(dataDir, extraArgs, app, address);
    }

    /// <summary>Stops the agent and starts a new one on the same data directory, running <paramref name="whileStopped"/> in between.</summary>
    public async Task RestartAsync(Action? whileStopped = null)
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Client.Dispose();
        whileStopped?.Invoke();
        (_app, BaseAddress) = await LaunchAsync(DataDir, _extraArgs);
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(WebApplication, Uri)> LaunchAsync(string dataDir, string[] extraArgs)
    {
        var urls = extraArgs.Contains("--urls") ? [] : new[] { "--urls", "http://127.0.0.1:0" };
        var app = AgentApp.Build([.. urls, "--data-dir", dataDir, .. extraArgs]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address.StartsWith("http://unix:", StringComparison.Ordinal) ? "http://localhost/" : address + "/"));
    }
}
