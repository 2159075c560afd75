using Flamewatch.Operator.Hosting;

namespace Flamewatch.Operator;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = OperatorHost.Build(args);
        }
        catch (Exception exception) when (exception is Kubernetes.OperatorConfigurationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"flamewatch-operator: {exception.Message}").ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.RunAsync().ConfigureAwait(false);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException exception)
            {
                await Console.Error.WriteLineAsync($"flamewatch-operator: {exception.Message}").ConfigureAwait(false);
                return 2;
            }
        }

        return Environment.ExitCode;
    }
}
