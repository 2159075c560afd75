namespace Flamewatch.Operator.Kubernetes;

/// <summary>The operator cannot find or use a Kubernetes configuration; the message says what was tried.</summary>
internal sealed class OperatorConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
