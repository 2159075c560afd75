using System.Text.Json.Nodes;

namespace Flamewatch.Operator.Admission;

/// <summary>The admission decision for one pod: a JSON patch (RFC 6902, null when nothing changes) and why.</summary>
/// <param name="Outcome">What was decided.</param>
/// <param name="Patch">The operations to apply to the pod; null unless <see cref="InjectionOutcome.Injected"/>.</param>
/// <param name="Reason">One human-readable sentence, for logs.</param>
/// <param name="Value">The variable's value injected (hexadecimal milliseconds), when injected.</param>
/// <param name="Containers">The containers that got the variable.</param>
internal sealed record InjectionPlan(InjectionOutcome Outcome, JsonArray? Patch, string Reason, string? Value, IReadOnlyList<string> Containers)
{
    public static InjectionPlan Unchanged(InjectionOutcome outcome, string reason) => new(outcome, null, reason, null, []);
}
