namespace Flamewatch.TestKit.Processes;

/// <summary>One application as the agent's <c>GET /api/applications</c> lists it.</summary>
public sealed record AgentApplication(string Name, long Profiles, IReadOnlyDictionary<string, IReadOnlyList<string>> Labels);
