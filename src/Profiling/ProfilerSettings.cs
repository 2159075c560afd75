using System.Reflection;
using System.Runtime.InteropServices;
using Flamewatch.Profiling;

namespace Flamewatch;

/// <summary>
/// The effective, checked settings of a <see cref="Profiler"/>: <see cref="ProfilerOptions"/> with the environment
/// defaults applied and the automatic labels merged in.
/// </summary>
internal sealed record ProfilerSettings(
    string ApplicationName,
    string AgentAddress,
    TimeSpan Period,
    TimeSpan UploadTimeout,
    IReadOnlyDictionary<string, string> Labels,
    int SamplingFrequency,
    ProfileTypes ProfileTypes)
{
    private const int MaximumApplicationName = 100;
    private const int MaximumKey = 100;
    private const int MaximumValue = 500;

    /// <summary>The version sent as the <c>profiler_version</c> label.</summary>
    public static string Version { get; } = typeof(ProfilerSettings).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Applies defaults and checks every option; the first bad one throws <see cref="ArgumentException"/> named after it.</summary>
    public static ProfilerSettings Resolve(ProfilerOptions options, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = options.ApplicationName ?? NonEmpty(environment(ProfilerOptions.ApplicationNameVariable)) ?? EntryAssemblyName();
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaximumApplicationName || name.Any(char.IsControl) || name.Trim() != name)
        {
            throw new ArgumentException(
                $"The application name must be 1–{MaximumApplicationName} characters without control characters or surrounding spaces (was '{name}').",
                "applicationName");
        }

        var address = options.AgentAddress ?? NonEmpty(environment(ProfilerOptions.AgentAddressVariable)) ?? ProfilerOptions.DefaultAgentAddress;
        if (!IsAgentAddress(address))
        {
            throw new ArgumentException(
                $"The agent address must be http://host:port, https://host:port or unix:///absolute/path.sock (was '{address}').", "agentAddress");
        }

        if (options.Period < ProfilerOptions.MinimumPeriod || options.Period > ProfilerOptions.MaximumPeriod)
        {
            throw new ArgumentOutOfRangeException("period", options.Period,
                $"The period must be between {ProfilerOptions.MinimumPeriod.TotalSeconds:0} s and {ProfilerOptions.MaximumPeriod.TotalMinutes:0} min.");
        }
        if (options.UploadTimeout <= TimeSpan.Zero || options.UploadTimeout >= options.Period)
        {
            throw new ArgumentOutOfRangeException("uploadTimeout", options.UploadTimeout,
                $"The upload timeout must be above zero and below the period ({options.Period.TotalSeconds:0.###} s).");
        }
        var labels = MergeLabels(options.Labels);
        if (options.SamplingFrequency is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException("samplingFrequency", options.SamplingFrequency, "The sampling frequency must be between 1 and 1000 Hz.");
        }
        if (options.ProfileTypes == ProfileTypes.None || (options.ProfileTypes & ~ProfileTypes.All) != 0)
        {
            throw new ArgumentOutOfRangeException("profileTypes", options.ProfileTypes,
                "The profile types must name at least one of Cpu, Wall, Allocations, AllocatedMemory, HeapLiveSize, Exceptions, LockContention, and nothing else.");
        }
        return new ProfilerSettings(name, address, options.Period, options.UploadTimeout, labels, options.SamplingFrequency, options.ProfileTypes);
    }

    /// <summary>
    /// The agent token (<see cref="ProfilerOptions.AgentToken"/>, else <c>FLAMEWATCH_TOKEN</c>), or null. Kept out of
    /// the settings record so that it never shows in a printed or logged <see cref="ProfilerSettings"/>.
    /// </summary>
    public static string? ResolveToken(ProfilerOptions options, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        var token = options.AgentToken ?? NonEmpty(environment(ProfilerOptions.AgentTokenVariable));
        if (token is not null && (token.Length == 0 || token.Any(c => c is < '!' or > '~')))
        {
            // An HTTP header carries only printable ASCII; the agent accepts no other token either.
            throw new ArgumentException("The agent token must be printable ASCII without spaces.", "agentToken");
        }
        return token;
    }

    /// <summary>Labels describing this runtime, sent with every profile.</summary>
    public static IReadOnlyDictionary<string, string> AutomaticLabels() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["runtime_os"] = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macos"
            : RuntimeInformation.OSDescription.Split(' ')[0].ToLowerInvariant(),
        ["runtime_arch"] = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        ["runtime_version"] = Environment.Version.ToString(),
        ["profiler_version"] = Version,
    };

    private static Dictionary<string, string> MergeLabels(IDictionary<string, string>? custom)
    {
        var labels = new Dictionary<string, string>(AutomaticLabels(), StringComparer.Ordinal);
        if (custom is null)
        {
            return labels;
        }
        if (custom.Count > ProfilerOptions.MaximumLabels)
        {
            throw new ArgumentException($"At most {ProfilerOptions.MaximumLabels} labels are allowed (got {custom.Count}).", "labels");
        }
        foreach (var (key, value) in custom)
        {
            if (string.IsNullOrEmpty(key) || key.Length > MaximumKey || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or ':'))
            {
                throw new ArgumentException(
                    $"Label keys must be 1–{MaximumKey} characters without spaces, control characters, ',' or ':' (was '{key}').", "labels");
            }
            if (key == "service")
            {
                throw new ArgumentException("'service' is not a label: it carries the application name; set applicationName instead.", "labels");
            }
            if (value is null || value.Length > MaximumValue || value.Any(c => char.IsControl(c) || c == ','))
            {
                throw new ArgumentException(
                    $"The value of label '{key}' must be at most {MaximumValue} characters without control characters or ','.", "labels");
            }
            labels[key] = value;
        }
        return labels;
    }

    private static bool IsAgentAddress(string address)
    {
        if (address.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = address["unix://".Length..];
            return path.Length > 1 && path[0] == '/';
        }
        return Uri.TryCreate(address, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Host.Length > 0
            && string.IsNullOrEmpty(uri.Query);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string EntryAssemblyName() => Assembly.GetEntryAssembly()?.GetName().Name ?? "dotnet";
}
