using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Hosting;

/// <summary>Checks every setting at startup and reports all problems at once.</summary>
internal sealed class OperatorOptionsValidator : IValidateOptions<OperatorOptions>
{
    public ValidateOptionsResult Validate(string? name, OperatorOptions options)
    {
        var failures = new List<string>();
        if (options.Kubeconfig is { Length: > 0 } path && !File.Exists(path))
        {
            failures.Add($"Operator:Kubeconfig: the file '{path}' does not exist");
        }

        if (options.LeaderElection)
        {
            if (string.IsNullOrWhiteSpace(options.LeaseName))
            {
                failures.Add("Operator:LeaseName: a Lease name is required when leader election is on");
            }

            // client-go's constraints: LeaseDuration > RenewDeadline > 1.2 × RetryPeriod > 0.
            if (options.RetryPeriod <= TimeSpan.Zero)
            {
                failures.Add("Operator leader election: RetryPeriod must be greater than zero");
            }

            if (options.LeaseDuration <= options.RenewDeadline)
            {
                failures.Add("Operator leader election: LeaseDuration must be greater than RenewDeadline");
            }

            if (options.RenewDeadline <= options.RetryPeriod * 1.2)
            {
                failures.Add("Operator leader election: RenewDeadline must be greater than 1.2 × RetryPeriod");
            }
        }

        if (options.MaxConcurrentReconciles is < 1 or > 64)
        {
            failures.Add($"Operator:MaxConcurrentReconciles: must be 1 to 64 (got {options.MaxConcurrentReconciles})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
