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
    /// <summary>The version sent as the <c>profiler_version</c> label.</summary>
    public static string Version { get; } = typeof(ProfilerSettings).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Applies defaults and checks every option; the first bad one throws <see cref="ArgumentException"/> named after it.</summary>
    public static ProfilerSettings Resolve(ProfilerOptions options, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = options.ApplicationName ?? NonEmpty(environment(ProfilerOptions.ApplicationNameVariable)) ?? EntryAssemblyName();
        Check(SettingsRules.ApplicationName(name), "applicationName");

        var address = options.AgentAddress ?? NonEmpty(environment(ProfilerOptions.AgentAddressVariable)) ?? ProfilerOptions.DefaultAgentAddress;
        if (!IsAgentAddress(address))
        {
            throw new ArgumentException(
                $"The agent address must be http://host:port, https://host:port or unix:///absolute/path.sock (was '{address}').", "agentAddress");
        }

        Check(SettingsRules.Period(options.Period), "period");
        Check(SettingsRules.UploadTimeout(options.UploadTimeout, options.Period), "uploadTimeout");
        var labels = MergeLabels(options.Labels);
        Check(SettingsRules.SamplingFrequency(options.SamplingFrequency), "samplingFrequency");
        Check(SettingsRules.ProfileTypes(options.ProfileTypes), "profileTypes");
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
        Check(SettingsRules.Labels(custom), "labels");
        foreach (var (key, value) in custom)
        {
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

    /// <summary>Throws for a rule's error, naming the option.</summary>
    private static void Check(string? error, string option)
    {
        if (error is not null)
        {
            throw new ArgumentException($"{option}: {error}.", option);
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string EntryAssemblyName() => Assembly.GetEntryAssembly()?.GetName().Name ?? "dotnet";
}
