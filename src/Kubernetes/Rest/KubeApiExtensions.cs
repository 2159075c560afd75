using Flamewatch.Kubernetes.Models;

namespace Flamewatch.Kubernetes.Rest;

public static class KubeApiExtensions
{
    public static IResourceClient<Pod> Pods(this IKubeApi api) => api.Resource<Pod>(ResourceType.Pods);

    public static IResourceClient<Lease> Leases(this IKubeApi api) => api.Resource<Lease>(ResourceType.Leases);

    public static IResourceClient<KubeEvent> Events(this IKubeApi api) => api.Resource<KubeEvent>(ResourceType.Events);

    /// <summary>
    /// Read-modify-write with retry on conflict (client-go DefaultRetry: 5 attempts, ~10 ms apart).
    /// <paramref name="mutate"/> returns false when no write is needed.
    /// </summary>
    public static async Task<T> UpdateWithRetryAsync<T>(this IResourceClient<T> client, string? @namespace, string name, Func<T, bool> mutate, CancellationToken cancellationToken = default)
        where T : KubeObject
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await client.GetAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
            if (!mutate(current))
            {
                return current;
            }

            try
            {
                return await client.UpdateAsync(current, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeConflictException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10 + Random.Shared.Next(0, 2)), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
