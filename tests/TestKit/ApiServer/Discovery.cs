using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>/version and the legacy discovery documents kubectl reads (/api, /apis, /api/v1, /apis/{group}/{version}).</summary>
internal static class Discovery
{
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "35",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "35",
        ["gitVersion"] = "v1.35.0-flamewatch-test",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.25.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(HttpContext context) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = context.Request.Host.Value }),
    };

    public static JsonObject Groups(IEnumerable<ServedResource> resources) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(resources.Where(r => r.Group.Length > 0).Select(r => r.Group).Distinct().Order(StringComparer.Ordinal)
            .Select(g => (JsonNode)GroupBody(resources, g)).ToArray()),
    };

    public static JsonObject? Group(IEnumerable<ServedResource> resources, string group)
    {
        if (!resources.Any(r => r.Group == group))
        {
            return null;
        }

        var body = GroupBody(resources, group);
        body["kind"] = "APIGroup";
        body["apiVersion"] = "v1";
        return body;
    }

    private static JsonObject GroupBody(IEnumerable<ServedResource> resources, string group)
    {
        var inGroup = resources.Where(r => r.Group == group).ToList();
        var versions = inGroup.SelectMany(r => r.Versions).Distinct().ToList();
        var preferred = inGroup[0].Version;
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v }).ToArray()),
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{preferred}", ["version"] = preferred },
        };
    }

    public static JsonObject? ResourceList(IEnumerable<ServedResource> resources, string group, string version)
    {
        var served = resources.Where(r => r.Group == group && r.Versions.Contains(version)).OrderBy(r => r.Plural, StringComparer.Ordinal).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var list = new JsonArray();
        foreach (var r in served)
        {
            var entry = new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
            };
            if (r.ShortNames.Count > 0)
            {
                entry["shortNames"] = new JsonArray(r.ShortNames.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
            }

            if (r.Categories.Count > 0)
            {
                entry["categories"] = new JsonArray(r.Categories.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
            }

            list.Add(entry);
            if (r.HasStatus)
            {
                list.Add(new JsonObject
                {
                    ["name"] = r.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = r.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = list,
        };
    }
}
