using System.Security.Cryptography;
using System.Text;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// Requires one of the given tokens as <c>Authorization: Bearer &lt;token&gt;</c> (or in <c>DD-API-KEY</c>, which
/// Datadog clients send); with no token configured it lets everything through. Compared in constant time over
/// SHA-256 digests, so neither the length nor a prefix of a token leaks through timing. A wrong token is logged as a
/// warning; a missing one too, unless <paramref name="missingIsExpected"/> (the UI asks without a token first).
/// </summary>
internal sealed class TokenFilter(IReadOnlyList<string?> tokens, ILogger logger, bool missingIsExpected = false) : IEndpointFilter
{
    private readonly byte[][] _expected = [.. tokens.OfType<string>().Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected.Length == 0)
        {
            return await next(context);
        }
        var headers = context.HttpContext.Request.Headers;
        var presented = headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? auth["Bearer ".Length..].Trim()
            : headers["DD-API-KEY"].ToString();
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var valid = false;
        foreach (var expected in _expected)
        {
            valid |= CryptographicOperations.FixedTimeEquals(digest, expected);
        }
        if (valid)
        {
            return await next(context);
        }
        if (presented.Length == 0 && missingIsExpected)
        {
            logger.TokenMissing(context.HttpContext.Request.Path.Value ?? "");
        }
        else
        {
            logger.Unauthorized(context.HttpContext.Request.Path.Value ?? "");
        }
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return IntakeResults.Error(StatusCodes.Status401Unauthorized, "a valid bearer token is required");
    }
}
