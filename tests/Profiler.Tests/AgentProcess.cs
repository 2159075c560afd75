using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Flamewatch.ProfilerTests;

/// <summary><c>flamewatch-agent</c> as a real process on a free 127.0.0.1 port with a fresh data directory.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private AgentProcess(Process process, string dataDir, Uri address)
    {
        _process = process;
        _dataDir = dataDir;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>The address as a Profiler takes it (no trailing slash).</summary>
    public string AgentAddress => Address.ToString().TrimEnd('/');

    public HttpClient Client { get; }

    public static async Task<AgentProcess> StartAsync(CancellationToken cancellationToken)
    {
        var dataDir = Directory.CreateTempSubdirectory("flamewatch-profiler-test-").FullName;
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "flamewatch-agent.dll"), "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDir })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var agent = new AgentProcess(process, dataDir, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"flamewatch-agent exited with {process.ExitCode} before answering.");
                }
                try
                {
                    using var answer = await agent.Client.GetAsync("api/applications", cancellationToken);
                    if (answer.IsSuccessStatusCode)
                    {
                        return agent;
                    }
                }
                catch (HttpRequestException)
                {
                }
                await Task.Delay(100, cancellationToken);
            }
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>The applications the agent lists, by name.</summary>
    public async Task<Dictionary<string, JsonElement>> ApplicationsAsync(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("api/applications", cancellationToken));
        return document.RootElement.EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!, a => a.Clone());
    }

    /// <summary>The merged flame graph of an application (query: <c>type=…&amp;label=value</c>).</summary>
    public async Task<JsonElement> FlameGraphAsync(string application, string query, CancellationToken cancellationToken)
    {
        var json = await Client.GetStringAsync($"api/flamegraph?application={Uri.EscapeDataString(application)}&minFraction=0&{query}", cancellationToken);
        // A flame graph nests one object and one array per frame.
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4096 });
        return document.RootElement.Clone();
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
