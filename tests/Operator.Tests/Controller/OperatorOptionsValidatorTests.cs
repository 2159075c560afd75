using Flamewatch.Operator.Hosting;

namespace Flamewatch.Operator.Tests.Controller;

public sealed class OperatorOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.True(new OperatorOptionsValidator().Validate(null, new OperatorOptions()).Succeeded);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var result = new OperatorOptionsValidator().Validate(null, new OperatorOptions
        {
            Kubeconfig = "/nonexistent/kubeconfig",
            RenewDeadline = TimeSpan.FromSeconds(20),
            MaxConcurrentReconciles = 0,
        });

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("/nonexistent/kubeconfig", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("leader election", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxConcurrentReconciles", StringComparison.Ordinal));
    }
}
