using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// Reading the official client's errors: an HTTP error is an <see cref="HttpOperationException"/> whose body is the
/// server's Status; an ERROR event inside a watch is a <see cref="KubernetesException"/> carrying it.
/// </summary>
public static class KubeErrors
{
    /// <summary>The HTTP status code of an API error, or null when <paramref name="exception"/> is not one.</summary>
    public static int? StatusCode(this Exception exception) => exception switch
    {
        HttpOperationException { Response: { } response } => (int)response.StatusCode,
        KubernetesException { Status.Code: { } code } => code,
        _ => null,
    };

    /// <summary>The server's Status (reason, message, causes) when the error carries one.</summary>
    public static V1Status? Status(this Exception exception)
    {
        switch (exception)
        {
            case KubernetesException { Status: { } status }:
                return status;
            case HttpOperationException { Response.Content: { Length: > 0 } content }:
                try
                {
                    return KubernetesJson.Deserialize<V1Status>(content);
                }
                catch (System.Text.Json.JsonException)
                {
                    return null;
                }

            default:
                return null;
        }
    }

    public static bool IsNotFound(this Exception exception) => exception.StatusCode() == (int)HttpStatusCode.NotFound;

    /// <summary>409 because the object changed since it was read (not AlreadyExists).</summary>
    public static bool IsConflict(this Exception exception) => exception.StatusCode() == (int)HttpStatusCode.Conflict && exception.Status()?.Reason != "AlreadyExists";

    public static bool IsAlreadyExists(this Exception exception) => exception.StatusCode() == (int)HttpStatusCode.Conflict && exception.Status()?.Reason == "AlreadyExists";

    /// <summary>410: a resourceVersion or continue token is too old (reason Expired, or the legacy Gone).</summary>
    public static bool IsExpired(this Exception exception) => exception.StatusCode() == (int)HttpStatusCode.Gone || exception.Status()?.Reason is "Expired" or "Gone";

    /// <summary>An error the API server answered (as opposed to a transport failure or a timeout).</summary>
    public static bool IsApiError(this Exception exception) => exception.StatusCode() is not null;
}
