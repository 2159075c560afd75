using Flamewatch.Operator.Hosting;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = OperatorHost.Build(args);

            // Surface configuration problems (bad flags, no kubeconfig) as one clear line, before anything starts.
            _ = app.Services.GetRequiredService<IOptions<OperatorOptions>>().Value;
            _ = app.Services.GetRequiredService<IKubernetes>();
        }
        catch (Exception exception) when (exception is KubeConfigException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"flamewatch-operator: {exception.Message}").ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            await app.RunAsync().ConfigureAwait(false);
        }

        return Environment.ExitCode;
    }
}
