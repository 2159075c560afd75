using Flamewatch.Settings;
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
        // A token travels in an HTTP header, which carries printable ASCII only (Kestrel rejects other bytes).
        if (options.Token is { } token && !IsSendableToken(token))
        {
            failures.Add("--token must be non-empty printable ASCII without whitespace.");
        }
        if (options.ReadToken is { } readToken && !IsSendableToken(readToken))
        {
            failures.Add("--read-token must be non-empty printable ASCII without whitespace.");
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
            failures.Add($"--retention must be positive (was {GoDuration.Format(options.RetentionMaxAge)}).");
        }
        if (options.RetentionMaxBytes < 1024 * 1024)
        {
            failures.Add($"--retention-max-bytes must be at least 1 MiB (was {options.RetentionMaxBytes}).");
        }
        if (options.MaxQueryProfiles < 1)
        {
            failures.Add($"--max-query-profiles must be at least 1 (was {options.MaxQueryProfiles}).");
        }
        if (options.RetentionInterval <= TimeSpan.Zero)
        {
            failures.Add($"Agent:RetentionInterval must be positive (was {GoDuration.Format(options.RetentionInterval)}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsSendableToken(string token) => token.Length > 0 && token.All(c => c is > ' ' and < '\x7f');
}
