using System.Text.Json.Nodes;

namespace Flamewatch.TestKit;

/// <summary>An API server's error answer to a <see cref="RawApiClient"/> request.</summary>
public sealed class RawApiException(int code, JsonObject? status, string message) : Exception(message)
{
    /// <summary>The HTTP status code.</summary>
    public int Code { get; } = code;

    /// <summary>The Status object the server answered with, if any.</summary>
    public JsonObject? Status { get; } = status;

    /// <summary>The Status's reason, e.g. <c>Invalid</c>, <c>NotFound</c>, <c>Conflict</c>.</summary>
    public string? Reason => Status?["reason"]?.GetValue<string>();

    /// <summary>The Status's message.</summary>
    public string StatusMessage => Status?["message"]?.GetValue<string>() ?? string.Empty;

    /// <summary>The Status's details.causes.</summary>
    public JsonArray Causes => Status?["details"]?["causes"] as JsonArray ?? [];
}
