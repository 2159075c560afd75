using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Flamewatch.TestKit.Processes;

/// <summary>
/// The real agent (<c>flamewatch-agent</c>) as its own process on a 127.0.0.1 port with a fresh data directory, and
/// its query API. Being a process, its memory and descriptors can be measured apart from the caller, a crash is a
/// crash, and it can be killed and restarted on the same port and data directory. Callers reference
/// <c>src/Agent</c> so that its assembly is next to theirs.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private ChildProcess _process;

    private AgentProcess(string dataDirectory, int port, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        DataDirectory = dataDirectory;
        Address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _arguments = arguments;
        _environment = environment;
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        _process = Launch();
    }

    /// <summary>The agent's base address, with a trailing slash.</summary>
    public Uri Address { get; }

    /// <summary>The address as <c>--agent</c> and the Profiler take it: <c>http://127.0.0.1:port</c>.</summary>
    public string Url => Address.ToString().TrimEnd('/');

    public string DataDirectory { get; }

    /// <summary>An HTTP client for the agent (base address set, 60 s timeout).</summary>
    public HttpClient Client { get; }

    /// <summary>The current agent process (a new one after <see cref="RestartAsync"/>).</summary>
    public ChildProcess Process => _process;

    public bool HasExited => _process.HasExited;

    /// <summary>Lines the agent logged at Error or Critical level (<c>fail:</c>, <c>crit:</c>) since it last started.</summary>
    public string Errors => string.Join('\n', _process.Lines.Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)));

    /// <summary>Starts an agent and returns once it answers <c>/healthz</c>.</summary>
    /// <param name="arguments">Extra command-line arguments (e.g. <c>--token</c>, <c>--max-body-bytes</c>).</param>
    /// <param name="logLevel">The agent's default log level (<c>Logging__LogLevel__Default</c>).</param>
    public static async Task<AgentProcess> StartAsync(CancellationToken cancellationToken, IReadOnlyList<string>? arguments = null, string logLevel = "Warning")
    {
        var environment = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = logLevel,
            ["Logging__Console__FormatterName"] = "simple",
            // Workstation GC keeps the agent small on a shared test machine.
            ["DOTNET_gcServer"] = "0",
        };
        var agent = new AgentProcess(Directory.CreateTempSubdirectory("flamewatch-agent-").FullName, Loopback.FreePort(), arguments ?? [], environment);
        try
        {
            await agent.WaitUntilHealthyAsync(cancellationToken).ConfigureAwait(false);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>SIGKILLs the agent (its data directory stays).</summary>
    public void Kill() => _process.Kill();

    /// <summary>Starts the agent again on the same port and data directory (after <see cref="Kill"/>) and waits until it is healthy.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        _process.Dispose();
        _process = Launch();
        await WaitUntilHealthyAsync(cancellationToken).ConfigureAwait(false);
    }

    public long ResidentBytes() => _process.ResidentBytes();

    public int OpenFileDescriptors() => _process.OpenFileDescriptors();

    /// <summary>Every application with profiles, by name.</summary>
    public async Task<IReadOnlyDictionary<string, AgentApplication>> ApplicationsAsync(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("api/applications", cancellationToken).ConfigureAwait(false));
        return document.RootElement.EnumerateArray().Select(a => new AgentApplication(
                a.GetProperty("name").GetString()!,
                a.GetProperty("profiles").GetInt64(),
                a.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => (IReadOnlyList<string>)[.. p.Value.EnumerateArray().Select(v => v.GetString()!)])))
            .ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    /// <summary>The label keys and values stored for an application (empty when it has no profiles).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> LabelsAsync(string application, CancellationToken cancellationToken) =>
        (await ApplicationsAsync(cancellationToken).ConfigureAwait(false)).GetValueOrDefault(application)?.Labels
        ?? new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Profiles stored for an application (optionally only those with all the given labels); 0 when none.</summary>
    public async Task<int> ProfileCountAsync(string application, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken)
    {
        if (labels is { Count: > 0 })
        {
            // Ask only about label values the agent has stored (it rejects a query on a value it has never seen).
            var stored = await LabelsAsync(application, cancellationToken).ConfigureAwait(false);
            if (labels.Any(l => !stored.TryGetValue(l.Key, out var values) || !values.Contains(l.Value)))
            {
                return 0;
            }
        }

        var query = "api/flamegraph?application=" + Uri.EscapeDataString(application) + "&type=wall-time%2Fnanoseconds";
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            query += "&" + Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(value);
        }

        using var response = await Client.GetAsync(query, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return 0;
        }

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return document.RootElement.GetProperty("profiles").GetInt32();
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the application's profile count; returns that count.</summary>
    public async Task<int> WaitForProfilesAsync(string application, IReadOnlyDictionary<string, string>? labels, Func<int, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var count = await ProfileCountAsync(application, labels, cancellationToken).ConfigureAwait(false);
            if (condition(count))
            {
                return count;
            }

            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The merged flame graph of an application, every frame included (query: <c>type=…&amp;label=value</c>).</summary>
    public async Task<JsonElement> FlameGraphAsync(string application, string query, CancellationToken cancellationToken)
    {
        var json = await Client.GetStringAsync($"api/flamegraph?application={Uri.EscapeDataString(application)}&minFraction=0&{query}", cancellationToken).ConfigureAwait(false);
        // A flame graph nests one object and one array per frame.
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4096 });
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Task.Run(_process.Dispose).ConfigureAwait(false);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private ChildProcess Launch() =>
        ChildProcess.Start("flamewatch-agent.dll", ["--urls", Url, "--data-dir", DataDirectory, .. _arguments], _environment);

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(s_startTimeout);
        try
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"flamewatch-agent exited with {_process.ExitCode} before answering: {_process.Tail(10)}");
                }

                try
                {
                    using var health = await Client.GetAsync("healthz", deadline.Token).ConfigureAwait(false);
                    if (health.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(100, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"flamewatch-agent did not answer /healthz within {s_startTimeout.TotalSeconds:0} s: {_process.Tail(10)}");
        }
    }
}
