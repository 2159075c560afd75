using Flamewatch.Profiling;
using Flamewatch.Profiling.Export;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flamewatch;

/// <summary>
/// Continuous profiling from inside an application: profiles the current process through its own diagnostic socket,
/// with the same pipeline as Flamewatch's node collector (EventPipe session → per-period aggregation → pprof of CPU,
/// wall time, allocations, allocated bytes and heap live size), and uploads one profile per period to an agent speaking
/// the Datadog profiling intake (Flamewatch's agent, the Datadog Agent, the Blackfire Agent).
/// <code>
/// var profiler = new Profiler(applicationName: "my-dotnet-app", labels: new() { ["my-extra-label"] = "data" });
/// profiler.Start();
/// Foo();
/// profiler.Stop();
/// </code>
/// <para><see cref="Start"/> and <see cref="Stop"/> are idempotent and thread-safe, and a stopped profiler can be started
/// again. Nothing the agent does (unreachable, slow, refusing) throws into the application or blocks it for longer than
/// the upload timeout: failures are logged and counted in <see cref="Statistics"/>.</para>
/// </summary>
public sealed class Profiler : IDisposable, IAsyncDisposable
{
    /// <summary>Longest <see cref="Start"/> waits for sampling to begin (attaching to the own process takes well under a second).</summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(5);

    private readonly ProfilerSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly DatadogAgentExporter _agent;
    private readonly ProfilerCounters _counters = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private ProfilerRun? _run;
    private int _disposed;

    /// <summary>Creates a stopped profiler; every argument left out takes its default (see <see cref="ProfilerOptions"/>).</summary>
    /// <param name="applicationName">Service name of the profiles; default <c>FLAMEWATCH_APPLICATION_NAME</c>, else the entry assembly's name.</param>
    /// <param name="period">Upload interval and aggregation window, 10 s – 10 min; default 45 s.</param>
    /// <param name="uploadTimeout">Longest one upload (and Stop's flush) may take; below the period; default 10 s.</param>
    /// <param name="labels">Custom labels added to every profile, besides runtime_os, runtime_arch, runtime_version and profiler_version.</param>
    /// <param name="agentAddress"><c>http://host:port</c> or <c>unix:///path.sock</c>; default <c>FLAMEWATCH_AGENT_URL</c>, else http://127.0.0.1:8126.</param>
    /// <param name="samplingFrequency">Average samples per thread per second, 1–1000; default 100.</param>
    /// <param name="profileTypes">The dimensions to collect; default <see cref="ProfileTypes.Default"/> (add <see cref="ProfileTypes.Exceptions"/> and <see cref="ProfileTypes.LockContention"/> to collect those).</param>
    /// <param name="loggerFactory">Where to log; nowhere by default.</param>
    /// <exception cref="ArgumentException">An argument is invalid; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public Profiler(
        string? applicationName = null,
        TimeSpan? period = null,
        TimeSpan? uploadTimeout = null,
        Dictionary<string, string>? labels = null,
        string? agentAddress = null,
        int? samplingFrequency = null,
        ProfileTypes? profileTypes = null,
        ILoggerFactory? loggerFactory = null)
        : this(Options(applicationName, period, uploadTimeout, labels, agentAddress, samplingFrequency, profileTypes, loggerFactory))
    {
    }

    /// <summary>Creates a stopped profiler from options.</summary>
    /// <exception cref="ArgumentException">An option is invalid; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public Profiler(ProfilerOptions options)
    {
        _settings = ProfilerSettings.Resolve(options, Environment.GetEnvironmentVariable);
        _loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<Profiler>();
        var token = ProfilerSettings.ResolveToken(options, Environment.GetEnvironmentVariable);
        _agent = new DatadogAgentExporter(_settings.AgentAddress, _settings.UploadTimeout, token);
    }

    /// <summary>The service name sent with every profile.</summary>
    public string ApplicationName => _settings.ApplicationName;

    /// <summary>Where profiles are uploaded.</summary>
    public string AgentAddress => _settings.AgentAddress;

    /// <summary>The upload interval.</summary>
    public TimeSpan Period => _settings.Period;

    /// <summary>The upload timeout.</summary>
    public TimeSpan UploadTimeout => _settings.UploadTimeout;

    /// <summary>Every label sent: the automatic ones merged with the custom ones.</summary>
    public IReadOnlyDictionary<string, string> Labels => _settings.Labels;

    /// <summary>Average samples per thread per second.</summary>
    public int SamplingFrequency => _settings.SamplingFrequency;

    /// <summary>The dimensions collected.</summary>
    public ProfileTypes ProfileTypes => _settings.ProfileTypes;

    /// <summary>Counters since construction, over every Start/Stop cycle.</summary>
    public ProfilerStatistics Statistics => new(
        _counters.ProfilesCollected,
        _agent.Succeeded,
        _agent.Failed,
        _agent.TimedOut,
        _counters.ProfilesDropped,
        _counters.StartFailures,
        _counters.LastError);

    /// <summary>
    /// Starts profiling in the background; returns once sampling runs (or, at most, after a few seconds). Does nothing
    /// when already started. A process that cannot be profiled (for instance started with
    /// <c>DOTNET_EnableDiagnostics=0</c>) is logged and counted, not thrown.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The profiler was disposed.</exception>
    public void Start() => Task.Run(() => StartAsync(CancellationToken.None)).GetAwaiter().GetResult();

    /// <inheritdoc cref="Start"/>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ProfilerRun run;
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_run is not null)
            {
                return;
            }
            run = _run = new ProfilerRun(_settings, _agent, _counters, _loggerFactory);
            ProfilerLog.Started(_logger, _settings.ApplicationName, Environment.ProcessId, _settings.Period.TotalSeconds, _settings.AgentAddress);
        }
        finally
        {
            _lifecycle.Release();
        }
        await run.WaitStartedAsync(StartWait, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops profiling: the last, partial period (when it lasted at least a second) is built and uploaded, then this
    /// returns — within the upload timeout whatever the agent does. Does nothing when not started.
    /// </summary>
    public void Stop() => Task.Run(() => StopAsync(CancellationToken.None)).GetAwaiter().GetResult();

    /// <inheritdoc cref="Stop"/>
    /// <param name="cancellationToken">Ends the flush early (what is unsent is dropped and counted).</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var run = _run;
            _run = null;
            if (run is null)
            {
                return;
            }
            await run.StopAsync(_settings.UploadTimeout, cancellationToken).ConfigureAwait(false);
            ProfilerLog.Stopped(_logger, run.Elapsed.TotalSeconds, _counters.ProfilesCollected, _agent.Succeeded, _counters.ProfilesDropped);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops (flushing as <see cref="Stop"/> does) and releases the HTTP client. Idempotent.</summary>
    public void Dispose() => Task.Run(async () => await DisposeAsync().ConfigureAwait(false)).GetAwaiter().GetResult();

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await StopAsync().ConfigureAwait(false);
        _agent.Dispose();
    }

    private static ProfilerOptions Options(
        string? applicationName,
        TimeSpan? period,
        TimeSpan? uploadTimeout,
        Dictionary<string, string>? labels,
        string? agentAddress,
        int? samplingFrequency,
        ProfileTypes? profileTypes,
        ILoggerFactory? loggerFactory)
    {
        var options = new ProfilerOptions
        {
            ApplicationName = applicationName,
            AgentAddress = agentAddress,
            LoggerFactory = loggerFactory,
        };
        options.Period = period ?? options.Period;
        options.UploadTimeout = uploadTimeout ?? options.UploadTimeout;
        options.Labels = labels ?? options.Labels;
        options.SamplingFrequency = samplingFrequency ?? options.SamplingFrequency;
        options.ProfileTypes = profileTypes ?? options.ProfileTypes;
        return options;
    }
}
