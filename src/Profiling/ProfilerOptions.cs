using Flamewatch.Profiling;
using Microsoft.Extensions.Logging;

namespace Flamewatch;

/// <summary>
/// Settings of an in-process <see cref="Profiler"/>, checked with the same rules as a ContinuousProfile's
/// (<see cref="SettingsRules"/>). Defaults are the product defaults: 45 s periods, 10 s upload
/// timeout, 100 Hz, the five default profile types. Checked when the <see cref="Profiler"/> is constructed: a bad value throws
/// <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> names the option.
/// </summary>
public sealed class ProfilerOptions
{
    /// <summary>Environment variable read when <see cref="ApplicationName"/> is not set.</summary>
    public const string ApplicationNameVariable = "FLAMEWATCH_APPLICATION_NAME";

    /// <summary>Environment variable read when <see cref="AgentAddress"/> is not set.</summary>
    public const string AgentAddressVariable = "FLAMEWATCH_AGENT_URL";

    /// <summary>Environment variable read when <see cref="AgentToken"/> is not set.</summary>
    public const string AgentTokenVariable = "FLAMEWATCH_TOKEN";

    /// <summary>The agent address when neither <see cref="AgentAddress"/> nor <c>FLAMEWATCH_AGENT_URL</c> is set: a local agent on the Datadog port.</summary>
    public const string DefaultAgentAddress = "http://127.0.0.1:8126";

    /// <summary>
    /// Service name of every profile, 1–100 characters. Default: <c>FLAMEWATCH_APPLICATION_NAME</c>, else the entry
    /// assembly's name.
    /// </summary>
    public string? ApplicationName { get; set; }

    /// <summary>
    /// Where to upload: <c>http://host:port</c> (or https) or <c>unix:///path/to/socket</c>, a Flamewatch agent or any
    /// agent speaking the Datadog profiling intake. Default: <c>FLAMEWATCH_AGENT_URL</c>, else <see cref="DefaultAgentAddress"/>.
    /// </summary>
    public string? AgentAddress { get; set; }

    /// <summary>
    /// Bearer token for an agent that requires one (a Flamewatch agent started with <c>--token</c>); also sent as
    /// <c>DD-API-KEY</c>. Printable ASCII. Default: <c>FLAMEWATCH_TOKEN</c>, else none.
    /// </summary>
    public string? AgentToken { get; set; }

    /// <summary>Aggregation window and upload interval: one profile per period. 10 s – 10 min; default 45 s.</summary>
    public TimeSpan Period { get; set; } = SettingsRules.DefaultPeriod;

    /// <summary>Longest an upload may take (and the longest <see cref="Profiler.Stop"/> waits to flush). Above 0 and below the period; default 10 s.</summary>
    public TimeSpan UploadTimeout { get; set; } = SettingsRules.DefaultUploadTimeout;

    /// <summary>
    /// Custom labels added to every profile (at most 32). Keys: 1–100 characters without whitespace, <c>,</c> or
    /// <c>:</c>, not <c>service</c>. Values: at most 500 characters without <c>,</c> (the rules of a ContinuousProfile's
    /// labels, <see cref="SettingsRules"/>). They are merged with the automatic
    /// labels <c>runtime_os</c>, <c>runtime_arch</c>, <c>runtime_version</c> and <c>profiler_version</c>; a custom label
    /// of the same name wins.
    /// </summary>
    public IDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();

    /// <summary>Average thread samples per second, 1–1000; default 100.</summary>
    public int SamplingFrequency { get; set; } = SettingsRules.DefaultSamplingFrequency;

    /// <summary>
    /// The dimensions to collect; default <see cref="ProfileTypes.Default"/> (CPU, wall, allocations, allocated memory,
    /// heap live size). Add <see cref="ProfileTypes.Exceptions"/> and <see cref="ProfileTypes.LockContention"/> to
    /// collect exceptions and lock contention too (<see cref="ProfileTypes.All"/> collects everything).
    /// </summary>
    public ProfileTypes ProfileTypes { get; set; } = ProfileTypes.Default;

    /// <summary>Where the profiler logs (connection failures, dropped profiles); none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
