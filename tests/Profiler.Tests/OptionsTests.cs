using Flamewatch.Profiling;

namespace Flamewatch.ProfilerTests;

public sealed class OptionsTests
{
    /// <summary>Bad options by case name: the option the error must name, and the construction that must fail.</summary>
    private static readonly Dictionary<string, (string Option, Func<Profiler> Create)> Cases = new()
    {
        ["empty application name"] = ("applicationName", () => new Profiler(applicationName: "")),
        ["application name of 101 characters"] = ("applicationName", () => new Profiler(applicationName: new string('a', 101))),
        ["application name with a newline"] = ("applicationName", () => new Profiler(applicationName: "line\nbreak")),
        ["agent address without a scheme"] = ("agentAddress", () => new Profiler(applicationName: "app", agentAddress: "127.0.0.1:8126")),
        ["ftp agent address"] = ("agentAddress", () => new Profiler(applicationName: "app", agentAddress: "ftp://agent:21")),
        ["relative unix socket"] = ("agentAddress", () => new Profiler(applicationName: "app", agentAddress: "unix://relative.sock")),
        ["period of 9 s"] = ("period", () => new Profiler(applicationName: "app", period: TimeSpan.FromSeconds(9))),
        ["period of 11 min"] = ("period", () => new Profiler(applicationName: "app", period: TimeSpan.FromMinutes(11))),
        ["zero upload timeout"] = ("uploadTimeout", () => new Profiler(applicationName: "app", uploadTimeout: TimeSpan.Zero)),
        ["upload timeout equal to the period"] = ("uploadTimeout", () => new Profiler(applicationName: "app", period: TimeSpan.FromSeconds(10), uploadTimeout: TimeSpan.FromSeconds(10))),
        ["label key with a space"] = ("labels", () => new Profiler(applicationName: "app", labels: new() { ["has space"] = "x" })),
        ["label key with a colon"] = ("labels", () => new Profiler(applicationName: "app", labels: new() { ["a:b"] = "x" })),
        ["label named service"] = ("labels", () => new Profiler(applicationName: "app", labels: new() { ["service"] = "other" })),
        ["label value with a comma"] = ("labels", () => new Profiler(applicationName: "app", labels: new() { ["k"] = "a,b" })),
        ["33 labels"] = ("labels", () => new Profiler(applicationName: "app", labels: Enumerable.Range(0, 33).ToDictionary(i => $"k{i}", i => "v"))),
        ["0 Hz"] = ("samplingFrequency", () => new Profiler(applicationName: "app", samplingFrequency: 0)),
        ["1001 Hz"] = ("samplingFrequency", () => new Profiler(applicationName: "app", samplingFrequency: 1001)),
        ["no profile type"] = ("profileTypes", () => new Profiler(applicationName: "app", profileTypes: ProfileTypes.None)),
        ["unknown profile type"] = ("profileTypes", () => new Profiler(applicationName: "app", profileTypes: (ProfileTypes)128)),
        ["agent token with a space"] = ("agentToken", () => new Profiler(new ProfilerOptions { ApplicationName = "app", AgentToken = "two words" })),
        ["agent token with a non-ASCII letter"] = ("agentToken", () => new Profiler(new ProfilerOptions { ApplicationName = "app", AgentToken = "tökén" })),
        ["empty agent token"] = ("agentToken", () => new Profiler(new ProfilerOptions { ApplicationName = "app", AgentToken = "" })),
        ["period of 1 s through ProfilerOptions"] = ("period", () => new Profiler(new ProfilerOptions { ApplicationName = "app", Period = TimeSpan.FromSeconds(1) })),
    };

    public static TheoryData<string> BadOptions => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_option_throws_naming_it(string badCase)
    {
        var (option, create) = Cases[badCase];
        var error = Assert.ThrowsAny<ArgumentException>(create);
        Assert.Equal(option, error.ParamName);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Defaults_are_the_product_defaults()
    {
        using var variables = new EnvironmentVariables(ProfilerOptions.ApplicationNameVariable, ProfilerOptions.AgentAddressVariable);
        using var profiler = new Profiler();
        Assert.Equal(System.Reflection.Assembly.GetEntryAssembly()!.GetName().Name, profiler.ApplicationName);
        Assert.Equal(ProfilerOptions.DefaultAgentAddress, profiler.AgentAddress);
        Assert.Equal("http://127.0.0.1:8126", profiler.AgentAddress);
        Assert.Equal(TimeSpan.FromSeconds(45), profiler.Period);
        Assert.Equal(TimeSpan.FromSeconds(10), profiler.UploadTimeout);
        Assert.Equal(100, profiler.SamplingFrequency);
        Assert.Equal(ProfileTypes.Cpu | ProfileTypes.Wall | ProfileTypes.Allocations | ProfileTypes.AllocatedMemory | ProfileTypes.HeapLiveSize, profiler.ProfileTypes);
        Assert.Equal(["profiler_version", "runtime_arch", "runtime_os", "runtime_version"], profiler.Labels.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Environment.Version.ToString(), profiler.Labels["runtime_version"]);
    }

    [Fact]
    public void The_environment_names_the_application_and_the_agent()
    {
        using var variables = new EnvironmentVariables(ProfilerOptions.ApplicationNameVariable, ProfilerOptions.AgentAddressVariable);
        Environment.SetEnvironmentVariable(ProfilerOptions.ApplicationNameVariable, "from-env");
        Environment.SetEnvironmentVariable(ProfilerOptions.AgentAddressVariable, "unix:///run/flamewatch/agent.sock");
        using var fromEnvironment = new Profiler();
        Assert.Equal("from-env", fromEnvironment.ApplicationName);
        Assert.Equal("unix:///run/flamewatch/agent.sock", fromEnvironment.AgentAddress);

        using var explicitly = new Profiler(applicationName: "explicit", agentAddress: "http://localhost:9000");
        Assert.Equal("explicit", explicitly.ApplicationName);
        Assert.Equal("http://localhost:9000", explicitly.AgentAddress);
    }

    [Fact]
    public void Custom_labels_are_merged_with_the_automatic_ones_and_win_over_them()
    {
        using var profiler = new Profiler(applicationName: "app", labels: new() { ["my-extra-label"] = "data", ["runtime_os"] = "custom" });
        Assert.Equal("data", profiler.Labels["my-extra-label"]);
        Assert.Equal("custom", profiler.Labels["runtime_os"]);
        Assert.True(profiler.Labels.ContainsKey("profiler_version"));
    }

    /// <summary>Clears variables for a test and restores them after.</summary>
    private sealed class EnvironmentVariables : IDisposable
    {
        private readonly Dictionary<string, string?> _saved;

        public EnvironmentVariables(params string[] names)
        {
            _saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
