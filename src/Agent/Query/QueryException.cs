namespace Flamewatch.Agent.Query;

/// <summary>A query the agent cannot answer as asked; the message is returned to the client with the status code.</summary>
internal sealed class QueryException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static QueryException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static QueryException NotFound(string message) => new(StatusCodes.Status404NotFound, message);
}
