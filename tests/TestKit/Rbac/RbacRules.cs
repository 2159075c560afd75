using System.Text.Json.Nodes;
using Flamewatch.TestKit.ApiServer;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.TestKit.Rbac;

/// <summary>
/// RBAC as (resource, verb) pairs: what Roles grant, what a component's recorded API requests needed, and what the
/// Helm chart binds to a workload's ServiceAccount. A component's grants must equal what it uses.
/// </summary>
public static class RbacRules
{
    /// <summary>
    /// The one request of the shared Event recorder that a short run cannot make: the count update of an Event, sent
    /// only for an identical Event after the recorder's 10-minute repeat window (the recorder's own tests observe it).
    /// Components that record Events use it, so their grants include it.
    /// </summary>
    public static readonly (string Resource, string Verb) EventCountUpdate = ("events", "patch");

    /// <summary>
    /// The other request a short run cannot make: renewing the operator's webhook certificate (an update of the Secret it
    /// created), due only 30 days before expiry (the certificate planner's tests cover it).
    /// </summary>
    public static readonly (string Resource, string Verb) WebhookCertificateRenewal = ("secrets", "update");

    /// <summary>
    /// What a component's recorded requests show it uses, plus <see cref="EventCountUpdate"/> when it records Events and
    /// <see cref="WebhookCertificateRenewal"/> when it created its certificate Secret.
    /// </summary>
    public static HashSet<(string Resource, string Verb)> Used(IEnumerable<RecordedRequest> requests, string userAgentPrefix)
    {
        var used = requests.Where(r => r.UserAgent.StartsWith(userAgentPrefix, StringComparison.Ordinal)).Select(ResourceVerb).ToHashSet();
        if (used.Contains(("events", "create")))
        {
            used.Add(EventCountUpdate);
        }

        if (used.Contains(("secrets", "create")))
        {
            used.Add(WebhookCertificateRenewal);
        }

        return used;
    }

    /// <summary>The (resource[/subresource], verb) pairs the rules of these Roles/ClusterRoles grant.</summary>
    public static HashSet<(string Resource, string Verb)> Grants(IEnumerable<JsonObject> roles)
    {
        var pairs = new HashSet<(string, string)>();
        foreach (var role in roles)
        {
            foreach (var rule in role["rules"]?.AsArray() ?? [])
            {
                foreach (var resource in rule!["resources"]!.AsArray())
                {
                    foreach (var verb in rule["verbs"]!.AsArray())
                    {
                        pairs.Add((resource!.GetValue<string>(), verb!.GetValue<string>()));
                    }
                }
            }
        }
        return pairs;
    }

    /// <summary>The RBAC resource (with subresource) and verb that one API request needs.</summary>
    public static (string Resource, string Verb) ResourceVerb(RecordedRequest request)
    {
        var pathAndQuery = request.PathAndQuery.Split('?', 2);
        var segments = pathAndQuery[0].Trim('/').Split('/');
        var rest = segments[0] == "api" ? segments[2..] : segments[3..];
        if (rest.Length >= 2 && rest[0] == "namespaces")
        {
            rest = rest[2..];
        }

        var resource = rest.Length >= 3 ? $"{rest[0]}/{rest[2]}" : rest[0];
        var isWatch = pathAndQuery.Length > 1 && (pathAndQuery[1].Contains("watch=1", StringComparison.Ordinal) || pathAndQuery[1].Contains("watch=true", StringComparison.Ordinal));
        var verb = request.Method switch
        {
            "GET" when isWatch => "watch",
            "GET" => rest.Length == 1 ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => request.Method,
        };
        return (resource, verb);
    }

    /// <summary>The chart (charts/flamewatch) as <c>helm template</c> (tools/bin/helm) renders it with default values.</summary>
    public static async Task<IReadOnlyList<JsonObject>> RenderChartAsync(CancellationToken cancellationToken)
    {
        var state = Directory.CreateTempSubdirectory("flamewatch-helm-").FullName;
        try
        {
            var environment = new[] { "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME" }.ToDictionary(h => h, h => (string?)Path.Combine(state, h));
            var result = await Command.RunAsync(RepositoryFiles.Tool("helm"), ["template", "fw", RepositoryFiles.PathOf("charts/flamewatch"), "--namespace", "flamewatch"],
                environment, cancellationToken: cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException("helm template failed: " + result.StdErr);
            }
            return YamlJson.ParseDocuments(result.StdOut);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>
    /// What the rendered chart grants the ServiceAccount of its <paramref name="kind"/> (Deployment, DaemonSet) whose
    /// name ends with <paramref name="nameSuffix"/>: the rules of every Role and ClusterRole bound to it.
    /// </summary>
    public static HashSet<(string Resource, string Verb)> GrantedToWorkload(IReadOnlyList<JsonObject> rendered, string kind, string nameSuffix)
    {
        var account = rendered.Single(d => (string?)d["kind"] == kind && ((string?)d["metadata"]!["name"])!.EndsWith(nameSuffix, StringComparison.Ordinal))
            ["spec"]!["template"]!["spec"]!["serviceAccountName"]!.GetValue<string>();
        var boundRoles = rendered
            .Where(d => (string?)d["kind"] is "RoleBinding" or "ClusterRoleBinding"
                && d["subjects"]!.AsArray().Any(s => (string?)s!["kind"] == "ServiceAccount" && (string?)s["name"] == account))
            .Select(d => ((string)d["roleRef"]!["kind"]!, (string)d["roleRef"]!["name"]!))
            .ToHashSet();
        return Grants(rendered.Where(d => boundRoles.Contains(((string?)d["kind"] ?? "", (string?)d["metadata"]!["name"] ?? ""))));
    }
}
