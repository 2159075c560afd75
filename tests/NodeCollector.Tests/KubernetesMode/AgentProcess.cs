using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Flamewatch.NodeCollector.Tests.KubernetesMode;

/// <summary>The real Flamewatch agent (<c>flamewatch-agent</c>) as a process on 127.0.0.1 with a fresh data directory, and its query API.</summary>
internal sealed partial class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;

    private AgentProcess(Process process, string dataDirectory, Uri address)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public static async Task<AgentProcess> StartAsync(CancellationToken cancellationToken)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("fw-agent-").FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "flamewatch-agent.dll"), "--urls", "http://127.0.0.1:0", "--data-dir", dataDirectory })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Logging__LogLevel__Default"] = "Information";
        var process = Process.Start(start) ?? throw new InvalidOperationException("the agent did not start");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync(CancellationToken.None).ContinueWith(
            _ => listening.TrySetException(new InvalidOperationException("the agent exited at start")), TaskScheduler.Default);
        var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return new AgentProcess(process, dataDirectory, address);
    }

    /// <summary>Profiles stored for an application (optionally only those with all the given labels); 0 when none.</summary>
    public async Task<int> ProfileCountAsync(string application, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken)
    {
        if (labels is { Count: > 0 })
        {
            // The agent answers 500 to a label value it has never stored; ask only about stored ones.
            var stored = await LabelsAsync(application, cancellationToken);
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

        using var response = await Client.GetAsync(query, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return 0;
        }

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.RootElement.GetProperty("profiles").GetInt32();
    }

    /// <summary>The label keys and values stored for an application (empty when it has no profiles).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> LabelsAsync(string application, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("api/applications", cancellationToken));
        foreach (var app in document.RootElement.EnumerateArray())
        {
            if (app.GetProperty("name").GetString() == application)
            {
                return app.GetProperty("labels").EnumerateObject()
                    .ToDictionary(p => p.Name, p => (IReadOnlyList<string>)[.. p.Value.EnumerateArray().Select(v => v.GetString()!)]);
            }
        }

        return new Dictionary<string, IReadOnlyList<string>>();
    }

    /// <summary>Names of every application with profiles.</summary>
    public async Task<IReadOnlyList<string>> ApplicationsAsync(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("api/applications", cancellationToken));
        return [.. document.RootElement.EnumerateArray().Select(a => a.GetProperty("name").GetString()!)];
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the application's profile count.</summary>
    public async Task<int> WaitForProfilesAsync(string application, IReadOnlyDictionary<string, string>? labels, Func<int, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var count = await ProfileCountAsync(application, labels, cancellationToken);
            if (condition(count))
            {
                return count;
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
