namespace Flamewatch.Kubernetes.Models;

/// <summary>metav1.LabelSelector: matchLabels and matchExpressions, all ANDed.</summary>
public sealed class LabelSelector : KubeModel
{
    public Dictionary<string, string>? MatchLabels { get; set; }
    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}

public sealed class LabelSelectorRequirement : KubeModel
{
    public string Key { get; set; } = "";

    /// <summary>In, NotIn, Exists or DoesNotExist.</summary>
    public string Operator { get; set; } = "";

    public List<string>? Values { get; set; }
}
