namespace Flamewatch.TestKit.ApiServer.Cel;

/// <summary>A CEL rule that does not compile (in the supported subset) or fails to evaluate.</summary>
public sealed class CelException(string message) : Exception(message);
