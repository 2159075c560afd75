using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Flamewatch.TestKit;

/// <summary>
/// Plain JSON requests to an API server, for what the typed client does not model: objects of test-only CRDs, bodies
/// the server must reject, and checks of the server's own behaviour. An answer other than 2xx throws a
/// <see cref="RawApiException"/> carrying the server's Status.
/// </summary>
public sealed class RawApiClient(HttpClient http) : IDisposable
{
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";

    /// <summary>The path of a collection, an object or a subresource: <c>/api/v1/…</c> for the core group, else <c>/apis/group/version/…</c>.</summary>
    public static string PathOf(string group, string version, string plural, string? @namespace = null, string? name = null, string? subresource = null)
    {
        var path = new StringBuilder(group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}");
        if (@namespace is not null)
        {
            path.Append("/namespaces/").Append(@namespace);
        }

        path.Append('/').Append(plural);
        if (name is not null)
        {
            path.Append('/').Append(name);
        }

        if (subresource is not null)
        {
            path.Append('/').Append(subresource);
        }

        return path.ToString();
    }

    public Task<JsonObject> GetAsync(string path, CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Get, path, null, null, cancellationToken);

    /// <summary>The object, or null when the server answers 404.</summary>
    public async Task<JsonObject?> TryGetAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (RawApiException exception) when (exception.Code == 404)
        {
            return null;
        }
    }

    public Task<JsonObject> CreateAsync(string collectionPath, JsonNode body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, collectionPath, body, "application/json", cancellationToken);

    public Task<JsonObject> ReplaceAsync(string path, JsonNode body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, path, body, "application/json", cancellationToken);

    public Task<JsonObject> PatchAsync(string path, JsonNode patch, string contentType = MergePatch, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, path, patch, contentType, cancellationToken);

    public Task<JsonObject> DeleteAsync(string path, CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Delete, path, null, null, cancellationToken);

    public void Dispose() => http.Dispose();

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode? body, string? contentType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType!);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonObject? json = null;
        try
        {
            json = text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new RawApiException((int)response.StatusCode, json, $"{method} {path}: {(int)response.StatusCode} {json?["message"]?.GetValue<string>() ?? text}");
        }

        return json ?? [];
    }
}
