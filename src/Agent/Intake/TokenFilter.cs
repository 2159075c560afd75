using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// When <c>--token</c> is set, write endpoints need <c>Authorization: Bearer &lt;token&gt;</c> (or the token in
/// <c>DD-API-KEY</c>, which Datadog clients send). Compared in constant time over SHA-256 digests.
/// </summary>
internal sealed class TokenFilter(IOptions<AgentOptions> options, ILogger<TokenFilter> logger) : IEndpointFilter
{
    private readonly byte[]? _expected = options.Value.Token is { } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token)) : null;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected is null)
        {
            return await next(context);
        }
        var headers = context.HttpContext.Request.Headers;
        var presented = headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? auth["Bearer ".Length..].Trim()
            : headers["DD-API-KEY"].ToString();
        if (CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected))
        {
            return await next(context);
        }
        logger.Unauthorized(context.HttpContext.Request.Path.Value ?? "");
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return IntakeResults.Error(StatusCodes.Status401Unauthorized, "a valid bearer token is required");
    }
}
