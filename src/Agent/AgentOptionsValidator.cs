using Microsoft.Extensions.Options;

namespace Flamewatch.Agent;

/// <summary>Collects every invalid setting at startup, so one run reports them all.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            failures.Add("--data-dir must name a directory.");
        }
        if (options.Token is { } token && (token.Length == 0 || token.Any(char.IsWhiteSpace)))
        {
            failures.Add("--token must be non-empty and contain no whitespace.");
        }
        if (options.ReadToken is { } readToken && (readToken.Length == 0 || readToken.Any(char.IsWhiteSpace)))
        {
            failures.Add("--read-token must be non-empty and contain no whitespace.");
        }
        if (options.MaxBodyBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            failures.Add($"--max-body-bytes must be between 1 KiB and 1 GiB (was {options.MaxBodyBytes}).");
        }
        if (options.MaxDecompressedBytes < 1024)
        {
            failures.Add($"--max-decompressed-bytes must be at least 1 KiB (was {options.MaxDecompressedBytes}).");
        }
        if (options.RetentionMaxAge <= TimeSpan.Zero)
        {
            failures.Add($"--retention must be positive (was {options.RetentionMaxAge}).");
        }
        if (options.RetentionMaxBytes < 1024 * 1024)
        {
            failures.Add($"--retention-max-bytes must be at least 1 MiB (was {options.RetentionMaxBytes}).");
        }
        if (options.RetentionInterval <= TimeSpan.Zero)
        {
            failures.Add($"Agent:RetentionInterval must be positive (was {options.RetentionInterval}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
