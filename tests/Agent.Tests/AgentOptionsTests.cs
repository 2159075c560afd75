using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flamewatch.Agent.Tests;

public sealed class AgentOptionsTests
{
    [Fact]
    public async Task InvalidSettingsStopTheAgentAtStartupNamingEveryProblem()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = AgentApp.Build(["--urls", "http://127.0.0.1:0", "--data-dir", Path.GetTempPath(),
                "--max-body-bytes", "10", "--retention", "-01:00:00", "--token", "has space"]);
            await app.StartAsync(cts.Token);
        });
        Assert.Contains("--max-body-bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("--retention", error.Message, StringComparison.Ordinal);
        Assert.Contains("--token", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--token", "jeton-été")]
    [InlineData("--read-token", "tab\tinside")]
    [InlineData("--read-token", "bell\u0007")]
    public async Task A_token_a_header_cannot_carry_stops_the_agent_at_startup(string flag, string token)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = AgentApp.Build(["--urls", "http://127.0.0.1:0", "--data-dir", Path.GetTempPath(), flag, token]);
            await app.StartAsync(cts.Token);
        });
        Assert.Contains($"{flag} must be non-empty printable ASCII", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("168h", 168.0)]
    [InlineData("36h30m", 36.5)]
    [InlineData("7.00:00:00", 168.0)]
    public async Task Retention_takes_go_durations_and_the_legacy_form(string retention, double expectedHours)
    {
        await using var app = AgentApp.Build(["--urls", "http://127.0.0.1:0", "--data-dir", Path.GetTempPath(), "--retention", retention]);
        Assert.Equal(TimeSpan.FromHours(expectedHours), app.Services.GetRequiredService<IOptions<AgentOptions>>().Value.RetentionMaxAge);
    }
}
