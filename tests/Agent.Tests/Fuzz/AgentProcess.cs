using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flamewatch.Agent.Tests.Fuzz;

/// <summary>
/// The agent executable as its own process on 127.0.0.1, so that its memory and file descriptors can be
/// measured apart from the test and a crash is a crash. Output lines at Error level and above are kept.
/// </summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private AgentProcess(Process process, string dataDir, Uri baseAddress)
    {
        _process = process;
        DataDir = dataDir;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string DataDir { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Lines the agent wrote at Error or Critical level (or anything on stderr).</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static async Task<AgentProcess> StartAsync(CancellationToken cancellationToken, params string[] extraArgs)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "flamewatch-agent-fuzz-" + Guid.NewGuid().ToString("N")[..12]);
        var port = FreePort();
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "flamewatch-agent"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDir, .. extraArgs])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["Logging__LogLevel__Default"] = "Error";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start flamewatch-agent");
        var agent = new AgentProcess(process, dataDir, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => agent.Keep(e.Data, onlyErrors: true);
        process.ErrorDataReceived += (_, e) => agent.Keep(e.Data, onlyErrors: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"flamewatch-agent exited with {process.ExitCode}: {agent.Errors}");
            }
            try
            {
                using var health = await agent.Client.GetAsync("/healthz", cancellationToken);
                if (health.StatusCode == HttpStatusCode.OK)
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

    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public long ResidentBytes() => ProcStatus.ResidentBytes(_process.Id);

    /// <summary>Open file descriptors.</summary>
    public int OpenFileDescriptors() => ProcStatus.OpenFileDescriptors(_process.Id);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line, bool onlyErrors)
    {
        if (line is null || onlyErrors && !line.StartsWith("fail:", StringComparison.Ordinal) && !line.StartsWith("crit:", StringComparison.Ordinal))
        {
            return;
        }
        lock (_errors)
        {
            if (_errors.Length < 64 * 1024)
            {
                _errors.AppendLine(line);
            }
        }
    }
}
