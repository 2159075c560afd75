namespace Flamewatch.Operator.Controller;

/// <summary>A reconcile that did part of its work and must be retried (with backoff) for the rest.</summary>
internal sealed class ReconcileRetryException(string message, Exception? inner = null) : Exception(message, inner);
