namespace Flamewatch.Agent.Intake;

/// <summary>A client sent something the agent will not store; the message is returned to the client.</summary>
internal sealed class IntakeException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static IntakeException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
