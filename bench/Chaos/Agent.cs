using System.Net.Http.Json;
using System.Text.Json;

namespace Flamewatch.Bench.Chaos;

/// <summary>The agent executable on a fixed loopback port and data directory, so that it can be killed and restarted.</summary>
internal sealed class Agent(string dataDir, int port) : IDisposable
{
    private ChildProcess? _process;

    public string Url { get; } = $"http://127.0.0.1:{port}";

    public HttpClient Client { get; } = new() { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(20) };

    public ChildProcess? Process => _process;

    public static Agent Create() => new(Directory.CreateTempSubdirectory("flamewatch-chaos-agent-").FullName, Proc.FreePort());

    public async Task StartAsync()
    {
        _process = ChildProcess.Start("flamewatch-agent.dll", ["--urls", Url, "--data-dir", dataDir], new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var health = await Client.GetAsync("healthz");
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException("the agent did not become healthy: " + string.Join(" | ", _process.Lines.TakeLast(5)));
    }

    public void Kill() => _process?.Kill();

    /// <summary>Profiles stored per application.</summary>
    public async Task<Dictionary<string, long>> ProfileCountsAsync()
    {
        var apps = await Client.GetFromJsonAsync<JsonElement>("api/applications");
        return apps.EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!, a => a.GetProperty("profiles").GetInt64());
    }

    /// <summary>The values of one label across an application's profiles.</summary>
    public async Task<HashSet<string>> LabelValuesAsync(string application, string label)
    {
        var apps = await Client.GetFromJsonAsync<JsonElement>("api/applications");
        foreach (var app in apps.EnumerateArray())
        {
            if (app.GetProperty("name").GetString() == application && app.GetProperty("labels").TryGetProperty(label, out var values))
            {
                return [.. values.EnumerateArray().Select(v => v.GetString()!)];
            }
        }
        return [];
    }

    public void Dispose()
    {
        _process?.Dispose();
        Client.Dispose();
        Directory.Delete(dataDir, recursive: true);
    }
}
