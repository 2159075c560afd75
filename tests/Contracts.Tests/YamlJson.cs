using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Flamewatch.Tests.Shared;

/// <summary>YAML → JSON for test fixtures, with YAML 1.2 core-schema typing of plain scalars (numbers, booleans, null).</summary>
internal static class YamlJson
{
    public static string ToJson(YamlNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, node);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The first document of a YAML file, as JSON.</summary>
    public static string FileToJson(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        return ToJson(yaml.Documents[0].RootNode);
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    writer.WritePropertyName(((YamlScalarNode)key).Value!);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } plain when long.TryParse(plain.Value, out var number):
                writer.WriteNumberValue(number);
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } boolean:
                writer.WriteBooleanValue(boolean.Value == "true");
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "null" or "~" }:
                writer.WriteNullValue();
                break;
            case YamlScalarNode scalar:
                writer.WriteStringValue(scalar.Value);
                break;
        }
    }
}
