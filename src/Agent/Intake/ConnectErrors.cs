namespace Flamewatch.Agent.Intake;

/// <summary>
/// Errors in the Connect protocol's unary form, as Pyroscope's push API answers them: a JSON body
/// <c>{"code":"invalid_argument","message":"..."}</c> with the HTTP status of that code.
/// </summary>
internal static class ConnectErrors
{
    /// <summary>The Connect code and HTTP status for an intake error's status.</summary>
    public static IResult For(int statusCode, string message)
    {
        var (code, status) = statusCode switch
        {
            StatusCodes.Status401Unauthorized => ("unauthenticated", StatusCodes.Status401Unauthorized),
            StatusCodes.Status503ServiceUnavailable => ("unavailable", StatusCodes.Status503ServiceUnavailable),
            // The Connect protocol answers a request codec it does not serve with 415 itself.
            StatusCodes.Status415UnsupportedMediaType => ("unimplemented", StatusCodes.Status415UnsupportedMediaType),
            // Pyroscope reports a profile over its size limit as invalid_argument too; nothing a retry would fix.
            _ => ("invalid_argument", StatusCodes.Status400BadRequest),
        };
        return TypedResults.Json(new Body(code, message), statusCode: status);
    }

    internal sealed record Body(string Code, string Message);
}
