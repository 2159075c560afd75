namespace Flamewatch.TestKit.ApiServer;

/// <summary>Replaces the User-Agent of every request (see <see cref="TestApiServer.CreateClient"/>).</summary>
internal sealed class UserAgentHandler(string userAgent, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.UserAgent.Clear();
        request.Headers.UserAgent.ParseAdd(userAgent);
        return base.SendAsync(request, cancellationToken);
    }
}
