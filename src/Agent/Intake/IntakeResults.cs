using Microsoft.AspNetCore.Http.HttpResults;

namespace Flamewatch.Agent.Intake;

/// <summary>Runs an intake handler and turns client errors into 4xx answers with a reason; never a 500 for client input.</summary>
internal static class IntakeResults
{
    /// <param name="error">Shapes an error answer (status, reason); default <see cref="Error"/>: <c>{"error":"reason"}</c>.</param>
    public static async Task<IResult> RunAsync(HttpContext context, ILogger logger, Func<Task<IResult>> handler, Func<int, string, IResult>? error = null)
    {
        error ??= Error;
        var path = context.Request.Path.Value ?? "";
        try
        {
            return await handler();
        }
        catch (IntakeException ex)
        {
            return Reject(logger, error, path, ex.StatusCode, ex.Message);
        }
        catch (BadHttpRequestException ex)
        {
            var reason = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? "the request body is larger than the agent accepts" : ex.Message;
            return Reject(logger, error, path, ex.StatusCode, reason);
        }
        catch (InvalidDataException ex)
        {
            // Thrown by the multipart reader for malformed bodies.
            return Reject(logger, error, path, StatusCodes.Status400BadRequest, "malformed multipart body: " + ex.Message);
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (IOException ex)
        {
            // The multipart reader reports a body that ends mid-part this way.
            return Reject(logger, error, path, StatusCodes.Status400BadRequest, "malformed or truncated body: " + ex.Message);
        }
    }

    public static JsonHttpResult<ErrorBody> Error(int statusCode, string reason) => TypedResults.Json(new ErrorBody(reason), statusCode: statusCode);

    private static IResult Reject(ILogger logger, Func<int, string, IResult> error, string path, int statusCode, string reason)
    {
        logger.UploadRejected(path, statusCode, reason);
        return error(statusCode, reason);
    }

    internal sealed record ErrorBody(string Error);
}
