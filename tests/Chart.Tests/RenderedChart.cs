using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Flamewatch.Chart.Tests;

/// <summary>The documents helm rendered, as JSON nodes for easy navigation.</summary>
internal sealed class RenderedChart
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithAttemptingUnquotedStringTypeDeserialization()
        .Build();

    private RenderedChart(string text, IReadOnlyList<JsonObject> documents)
    {
        Text = text;
        Documents = documents;
    }

    public string Text { get; }

    public IReadOnlyList<JsonObject> Documents { get; }

    public static RenderedChart Parse(string text)
    {
        var documents = new List<JsonObject>();
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var value = Yaml.Deserialize<object?>(parser);
            if (value is not null && JsonSerializer.SerializeToNode(value) is JsonObject document)
            {
                documents.Add(document);
            }
        }

        return new RenderedChart(text, documents);
    }

    public IEnumerable<JsonObject> OfKind(string kind) =>
        Documents.Where(d => (string?)d["kind"] == kind);

    /// <summary>The one document of this kind whose name ends with the suffix (e.g. "-collector").</summary>
    public JsonObject Single(string kind, string nameSuffix)
    {
        var matches = OfKind(kind).Where(d => ((string?)d["metadata"]?["name"])?.EndsWith(nameSuffix, StringComparison.Ordinal) == true).ToList();
        Assert.True(matches.Count == 1, $"expected one {kind} named *{nameSuffix}, found {matches.Count}");
        return matches[0];
    }

    public static JsonObject Container(JsonObject workload) =>
        (JsonObject)workload["spec"]!["template"]!["spec"]!["containers"]![0]!;

    public static JsonObject PodSpec(JsonObject workload) =>
        (JsonObject)workload["spec"]!["template"]!["spec"]!;
}
