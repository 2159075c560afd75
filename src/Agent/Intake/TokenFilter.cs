using System.Security.Cryptography;
using System.Text;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// Requires one of the given tokens as <c>Authorization: Bearer &lt;token&gt;</c>, as the password of
/// <c>Authorization: Basic</c> (any user name; Pyroscope clients send basic auth), or in <c>DD-API-KEY</c> (Datadog
/// clients); with no token configured it lets everything through. Compared in constant time over
/// SHA-256 digests, so neither the length nor a prefix of a token leaks through timing. A wrong token is logged as a
/// warning; a missing one too, unless <paramref name="missingIsExpected"/> (the UI asks without a token first).
/// </summary>
/// <param name="error">Shapes the 401 answer (status, reason); default <see cref="IntakeResults.Error"/>.</param>
internal sealed class TokenFilter(IReadOnlyList<string?> tokens, ILogger logger, bool missingIsExpected = false, Func<int, string, IResult>? error = null) : IEndpointFilter
{
    private readonly byte[][] _expected = [.. tokens.OfType<string>().Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected.Length == 0)
        {
            return await next(context);
        }
        var headers = context.HttpContext.Request.Headers;
        var auth = headers.Authorization.ToString();
        var presented = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth["Bearer ".Length..].Trim()
            : auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? BasicPassword(auth["Basic ".Length..].Trim())
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
        return (error ?? IntakeResults.Error)(StatusCodes.Status401Unauthorized, "a valid bearer token is required");
    }

    /// <summary>The password of <c>user:password</c> in base64; empty when the credentials are not well-formed.</summary>
    private static string BasicPassword(string credentials)
    {
        Span<byte> decoded = stackalloc byte[Math.Min(credentials.Length, 4096)];
        if (credentials.Length > decoded.Length || !Convert.TryFromBase64String(credentials, decoded, out var length))
        {
            return "";
        }
        var text = Encoding.UTF8.GetString(decoded[..length]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? "" : text[(colon + 1)..];
    }
}
