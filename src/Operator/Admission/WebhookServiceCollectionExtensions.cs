using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Admission;

internal static class WebhookServiceCollectionExtensions
{
    /// <summary>The pod admission webhook: its HTTPS server and certificate loop run only when <c>Webhook:Enabled</c>.</summary>
    public static IServiceCollection AddAdmissionWebhook(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.TryAddSingleton<WebhookMetrics>();
        services.TryAddSingleton<ServingCertificateStore>();
        services.TryAddSingleton<AdmissionHandler>();
        services.TryAddSingleton<AdmissionWebhookServer>();
        services.TryAddSingleton<WebhookCertificateController>();
        if (configuration.GetSection(WebhookOptions.Section).GetValue<bool>(nameof(WebhookOptions.Enabled)))
        {
            services.AddHostedService(provider => provider.GetRequiredService<WebhookCertificateController>());
            services.AddHostedService(provider => provider.GetRequiredService<AdmissionWebhookServer>());
        }

        return services;
    }
}
