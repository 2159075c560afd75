namespace Flamewatch.Operator.Planning;

/// <summary>A Kubernetes Event to record on the ContinuousProfile once the plan's writes succeeded.</summary>
internal sealed record PlannedEvent(string Type, string Reason, string Message)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}
