using Flamewatch.Operator.Admission;

namespace Flamewatch.Operator.Tests.Admission;

public sealed class WebhookOptionsValidatorTests
{
    [Fact]
    public void Every_bad_setting_is_reported_by_name_at_once()
    {
        var result = new WebhookOptionsValidator().Validate(null, new WebhookOptions
        {
            Enabled = true,
            Port = 70000,
            ListenAddress = "everywhere",
            Certificates = "letsencrypt",
            Budget = TimeSpan.FromMinutes(1),
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Webhook:Port:", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Webhook:ListenAddress:", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Webhook:Certificates:", StringComparison.Ordinal) && f.Contains("letsencrypt", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Webhook:Budget:", StringComparison.Ordinal));
    }

    [Fact]
    public void Settings_of_a_disabled_webhook_are_not_checked() =>
        Assert.True(new WebhookOptionsValidator().Validate(null, new WebhookOptions { Enabled = false, Port = -1 }).Succeeded);
}
