using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Admission;

/// <summary>Checks the webhook settings at startup, all problems at once.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"Webhook:Port: must be 0 to 65535 (got {options.Port})");
        }

        if (!System.Net.IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"Webhook:ListenAddress: \"{options.ListenAddress}\" is not an IP address");
        }

        if (options.Certificates is not (WebhookOptions.SelfSigned or WebhookOptions.External))
        {
            failures.Add($"Webhook:Certificates: must be \"{WebhookOptions.SelfSigned}\" or \"{WebhookOptions.External}\" (got \"{options.Certificates}\")");
        }

        if (string.IsNullOrWhiteSpace(options.SecretName))
        {
            failures.Add("Webhook:SecretName: a Secret name is required");
        }

        if (options.Certificates == WebhookOptions.SelfSigned && string.IsNullOrWhiteSpace(options.ServiceName) && string.IsNullOrWhiteSpace(options.AdditionalNames))
        {
            failures.Add("Webhook:ServiceName: a Service name (or Webhook:AdditionalNames) is required for a self-signed certificate");
        }

        if (options.RefreshInterval <= TimeSpan.Zero)
        {
            failures.Add("Webhook:RefreshInterval: must be greater than zero");
        }

        if (options.Budget <= TimeSpan.Zero || options.Budget > TimeSpan.FromSeconds(10))
        {
            failures.Add($"Webhook:Budget: must be more than 0 and at most 10s (got {options.Budget})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
