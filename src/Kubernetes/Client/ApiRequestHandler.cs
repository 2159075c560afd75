using System.Net;

namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// What Flamewatch adds under the official client: a timeout for every request except watches (whose bodies stream for
/// minutes; the informer's watchdog covers them), and client-go's handling of 429 Too Many Requests (wait for
/// Retry-After, up to 10 times). In cluster, a 401 re-reads the service-account token and, when it changed (the kubelet
/// rotated it), sends the request once more with the new one.
/// </summary>
internal sealed class ApiRequestHandler(TimeSpan requestTimeout, ServiceAccountToken? serviceAccountToken) : DelegatingHandler
{
    private const int MaxRetriesOn429 = 10;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var watch = request.RequestUri?.Query.Contains("watch=true", StringComparison.Ordinal) == true;
        var reauthenticated = false;
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage response;
            if (watch)
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(requestTimeout);
                try
                {
                    response = await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
                    if (response.Content is not null)
                    {
                        await response.Content.LoadIntoBufferAsync(timeout.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"{request.Method} {request.RequestUri?.AbsolutePath} did not complete within {requestTimeout.TotalSeconds:0.#} s");
                }
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && !reauthenticated && serviceAccountToken?.Refresh() == true && request.Content is not StreamContent)
            {
                reauthenticated = true;
                response.Dispose();
                request.Headers.Authorization = await serviceAccountToken.GetAuthenticationHeaderAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt >= MaxRetriesOn429 || request.Content is StreamContent)
            {
                return response;
            }

            var delay = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }
}
