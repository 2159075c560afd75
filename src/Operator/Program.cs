using Flamewatch.Hosting;
using Flamewatch.Operator.Hosting;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator;

internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = ExecutableHost.CreateRootCommand(
            "Flamewatch operator: reconciles ContinuousProfiles into the flamewatch.io annotations of the pods they select.",
            OperatorHost.Flags,
            (configuration, cancellationToken) => ExecutableHost.RunAsync(
                OperatorHost.Executable,
                () => OperatorHost.Build(configuration),
                // Surface configuration problems (bad flags, no kubeconfig) as one clear line, before anything starts.
                services =>
                {
                    _ = services.GetRequiredService<IOptions<OperatorOptions>>().Value;
                    _ = services.GetRequiredService<IKubernetes>();
                },
                exception => exception is KubeConfigException,
                cancellationToken));
        return ExecutableHost.InvokeAsync(OperatorHost.Executable, root, args);
    }
}
