using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Flamewatch.Agent.Tests;

/// <summary>
/// With tokens configured: no route of the agent stores anything without the upload token, the store's write
/// paths answer 401 to missing, wrong and near-miss tokens, and with <c>--read-token</c> the query API does too
/// (without it queries stay open: <see cref="IntakeTests.WithATokenUploadsNeedItAndQueriesDoNot"/>).
/// </summary>
public sealed class SecurityTests
{
    private const string Boundary = "5ec0a1b2c3d4e5f6";
    private const string Token = "upload-7f3a9c";
    private const string ReadToken = "read-2b8d4e";

    private static byte[] Upload(string service) => Uploads.Body(Boundary,
        ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event(service, ["wall.pprof"]))),
        ("wall.pprof", "application/octet-stream", Pprofs.Gzip(Pprofs.Create(["wall/nanoseconds"], (["main", "Secret.Work"], [5L])))));

    public static TheoryData<string, string?, string?> BadCredentials => new()
    {
        { "no header", null, null },
        { "empty bearer", "Authorization", "Bearer " },
        { "wrong token", "Authorization", "Bearer upload-7f3a9d" },
        { "token prefix", "Authorization", "Bearer upload-7f3a9" },
        { "token plus suffix", "Authorization", "Bearer upload-7f3a9c0" },
        { "other scheme", "Authorization", "Digest username=\"user\", response=\"" + Token + "\"" },
        { "token as the basic user name", "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Token + ":x")) },
        { "basic without a colon", "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Token)) },
        { "basic not base64", "Authorization", "Basic user:" + Token },
        { "read token cannot write", "Authorization", "Bearer " + ReadToken },
        { "wrong DD-API-KEY", "DD-API-KEY", "nope" },
        { "case changed", "Authorization", "Bearer UPLOAD-7F3A9C" },
    };

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task No_route_stores_a_profile_without_the_upload_token(string description, string? header, string? value)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--token", Token, "--read-token", ReadToken);
        var routes = agent.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Path: e.RoutePattern.RawText ?? "")))
            .Where(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE")
            .ToList();
        Assert.Contains(routes, r => r.Path == "/profiling/v1/input");
        Assert.Contains(routes, r => r.Path == "/ingest");
        Assert.Contains(routes, r => r.Path == "/push.v1.PusherService/Push");

        var unauthorized = new List<string>();
        foreach (var (method, path) in routes)
        {
            // Every write route gets a valid upload in the form it would accept, without a valid token.
            var target = path == "/ingest" ? "/ingest?name=stolen&format=pprof" : path;
            using var request = new HttpRequestMessage(new HttpMethod(method), target);
            if (path == "/ingest")
            {
                request.Content = new ByteArrayContent(Pprofs.Gzip(Pprofs.Create(["wall/nanoseconds"], (["main"], [1L]))));
            }
            else if (path == "/push.v1.PusherService/Push")
            {
                request.Content = new ByteArrayContent(PushApiTests.PushRequest([("service_name", "stolen")]));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
            }
            else
            {
                request.Content = new ByteArrayContent(Upload("stolen"));
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
            }
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation(header, value);
            }
            using var response = await agent.Client.SendAsync(request, cts.Token);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                unauthorized.Add(path);
                Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
            }
        }
        Assert.Empty(agent.Store.GetApplications());
        Assert.Contains("/profiling/v1/input", unauthorized);
        Assert.Contains("/ingest", unauthorized);
        Assert.Contains("/push.v1.PusherService/Push", unauthorized);
        _ = description;
    }

    [Fact]
    public async Task With_a_read_token_queries_need_it_or_the_upload_token_and_health_stays_open()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--token", Token, "--read-token", ReadToken);
        using (var stored = await Uploads.PostAsync(agent.Client, Boundary, Upload("guarded"), cts.Token, token: Token))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }
        string[] queries = ["/api/applications", "/api/flamegraph?application=guarded", "/api/profile?application=guarded"];
        foreach (var query in queries)
        {
            foreach (var presented in new[] { null, "wrong", ReadToken + "x" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, query);
                if (presented is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", presented);
                }
                using var denied = await agent.Client.SendAsync(request, cts.Token);
                Assert.True(denied.StatusCode == HttpStatusCode.Unauthorized, $"{query} with {presented ?? "no token"}: {(int)denied.StatusCode}");
                Assert.DoesNotContain("Secret.Work", await denied.Content.ReadAsStringAsync(cts.Token), StringComparison.Ordinal);
            }
            foreach (var good in new[] { ReadToken, Token })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, query);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", good);
                using var allowed = await agent.Client.SendAsync(request, cts.Token);
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            }
        }
        using var health = await agent.Client.GetAsync("/healthz", cts.Token);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task With_a_read_token_the_UI_shell_loads_without_it_holds_no_secret_and_allows_nothing_from_elsewhere()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--token", Token, "--read-token", ReadToken);
        foreach (var path in new[] { "/", "/index.html", "/app.js", "/app.css", "/flamewatch.css" })
        {
            using var response = await agent.Client.GetAsync(path, cts.Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync(cts.Token);
            Assert.DoesNotContain(Token, body, StringComparison.Ordinal);
            Assert.DoesNotContain(ReadToken, body, StringComparison.Ordinal);
            var policy = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("form-action 'none'", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        // The query API behind the shell is not open, and what it answers with the token is not cached.
        using (var denied = await agent.Client.GetAsync("/api/applications", cts.Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ReadToken);
        using var allowed = await agent.Client.SendAsync(request, cts.Token);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.True(allowed.Headers.CacheControl?.NoStore, "protected answers must carry Cache-Control: no-store");
    }
}
