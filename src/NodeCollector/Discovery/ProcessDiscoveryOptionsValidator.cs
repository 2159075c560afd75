using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Discovery;

/// <summary>Startup validation of <see cref="ProcessDiscoveryOptions"/> (register with <c>ValidateOnStart</c>); reports every failure at once.</summary>
internal sealed class ProcessDiscoveryOptionsValidator : IValidateOptions<ProcessDiscoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, ProcessDiscoveryOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
