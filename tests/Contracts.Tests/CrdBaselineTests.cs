using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.TestKit;
using Flamewatch.TestKit.ApiServer.Cel;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Flamewatch.Contracts.Tests;

/// <summary>
/// The CRD YAML is hand-written; these tests keep it and the C# types telling the same story: same field
/// names, same defaults and limits, same duration grammar, a description on every field.
/// </summary>
public sealed class CrdBaselineTests
{
    private const string CrdPath = "config/crd/bases/flamewatch.io_continuousprofiles.yaml";

    private static readonly YamlMappingNode Crd = LoadCrd();

    private static YamlMappingNode Version => (YamlMappingNode)((YamlSequenceNode)Node(Child(Crd, "spec"), "versions")).Children[0];

    private static YamlMappingNode Schema => Child(Child(Version, "schema"), "openAPIV3Schema");

    private static YamlMappingNode SpecSchema => Child(Properties(Schema), "spec");

    private static YamlMappingNode StatusSchema => Child(Properties(Schema), "status");

    public static TheoryData<string, Type> SchemaTypes => new()
    {
        { "spec", typeof(V1Alpha1ContinuousProfileSpec) },
        { "status", typeof(V1Alpha1ContinuousProfileStatus) },
        { "spec.selector", typeof(V1LabelSelector) },
        { "spec.selector.matchExpressions[]", typeof(V1LabelSelectorRequirement) },
        { "status.conditions[]", typeof(V1Alpha1Condition) },
    };

    [Theory]
    [MemberData(nameof(SchemaTypes))]
    public void The_csharp_type_and_the_schema_name_the_same_fields(string path, Type type)
    {
        var node = Schema;
        foreach (var segment in path.Split('.'))
        {
            var name = segment.TrimEnd('[', ']');
            node = Child(Properties(node), name);
            if (segment.EndsWith("[]", StringComparison.Ordinal))
            {
                node = Child(node, "items");
            }
        }

        var schemaFields = Properties(node).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order().ToArray();
        var csharpFields = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()
            .Order()
            .ToArray();
        Assert.Equal(schemaFields, csharpFields);
    }

    [Fact]
    public void Defaults_and_limits_match_the_contract_types()
    {
        var spec = Properties(SpecSchema);
        Assert.Equal(GoDuration.Format(SettingsRules.DefaultPeriod), Scalar(Child(spec, "period"), "default"));
        Assert.Equal(GoDuration.Format(SettingsRules.DefaultUploadTimeout), Scalar(Child(spec, "uploadTimeout"), "default"));
        Assert.Equal(SettingsRules.DefaultSamplingFrequency.ToString(), Scalar(Child(spec, "samplingFrequency"), "default"));
        Assert.Equal(SettingsRules.MinSamplingFrequency.ToString(), Scalar(Child(spec, "samplingFrequency"), "minimum"));
        Assert.Equal(SettingsRules.MaxSamplingFrequency.ToString(), Scalar(Child(spec, "samplingFrequency"), "maximum"));
        Assert.Equal(SettingsRules.MaxLabels.ToString(), Scalar(Child(spec, "labels"), "maxProperties"));
        Assert.Equal(SettingsRules.MaxLabelValueLength.ToString(), Scalar(Child(Child(spec, "labels"), "additionalProperties"), "maxLength"));
        Assert.Equal(SettingsRules.MaxApplicationNameLength.ToString(), Scalar(Child(spec, "applicationName"), "maxLength"));
        Assert.Equal(GoDuration.MaxLength.ToString(), Scalar(Child(spec, "period"), "maxLength"));
        Assert.Equal("false", Scalar(Child(spec, "suspend"), "default"));

        var wireNames = ProfileTypeNames.Names(ProfileTypes.All).ToArray();
        var profileTypes = Child(spec, "profileTypes");
        Assert.Equal(wireNames, Sequence(Child(profileTypes, "items"), "enum"));
        Assert.Equal(ProfileTypeNames.Names(ProfileTypes.Default).ToArray(), Sequence(profileTypes, "default"));
        Assert.Equal(wireNames.Length.ToString(), Scalar(profileTypes, "maxItems"));

        var rules = string.Join('\n', AllScalars(Crd));
        Assert.Contains($"duration('{GoDuration.Format(SettingsRules.MinPeriod)}')", rules, StringComparison.Ordinal);
        Assert.Contains($"duration('{GoDuration.Format(SettingsRules.MaxPeriod)}')", rules, StringComparison.Ordinal);
        Assert.Contains("duration(self.uploadTimeout) < duration(self.period)", rules, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("45s")]
    [InlineData("2m")]
    [InlineData("1m30s")]
    [InlineData("1.5s")]
    [InlineData("250ms")]
    [InlineData("1h")]
    [InlineData("45")]
    [InlineData("-1s")]
    [InlineData("1d")]
    [InlineData("1.s")]
    [InlineData("1 m")]
    [InlineData("")]
    [InlineData("PT45S")]
    public void The_duration_pattern_admits_exactly_what_the_parser_reads(string text)
    {
        var pattern = Scalar(Child(Properties(SpecSchema), "period"), "pattern")!;
        Assert.Equal(pattern, Scalar(Child(Properties(SpecSchema), "uploadTimeout"), "pattern"));

        Assert.Equal(Regex.IsMatch(text, pattern), GoDuration.TryParse(text, out _, out _));
    }

    [Theory]
    [InlineData("team", "orders")]
    [InlineData("env", "")]
    [InlineData("k", "a value with spaces: and colons")]
    [InlineData("", "v")]
    [InlineData("has space", "v")]
    [InlineData("a:b", "v")]
    [InlineData("a,b", "v")]
    [InlineData("service", "other")]
    [InlineData("k", "a,b")]
    [InlineData("k", "line\nbreak")]
    [InlineData("k", "\u007f")]
    [InlineData("k100", null)]
    [InlineData("k500", null)]
    [InlineData("k501", null)]
    public void The_crd_admits_exactly_the_labels_the_settings_rules_admit(string key, string? value)
    {
        // kNNN: a key of NNN characters with a value of NNN characters.
        if (value is null)
        {
            var length = int.Parse(key[1..]);
            (key, value) = (new string('k', Math.Min(length, 100)), new string('v', length));
        }

        var labels = Child(Properties(SpecSchema), "labels");
        var rule = Scalar((YamlMappingNode)((YamlSequenceNode)Node(labels, "x-kubernetes-validations")).Children[0], "rule")!;
        var values = Child(labels, "additionalProperties");
        var crdAdmits = (bool)CelExpression.Compile(rule).Evaluate(CelValues.FromJson(new JsonObject { [key] = value }))!
            && value.Length <= int.Parse(Scalar(values, "maxLength")!)
            && Regex.IsMatch(value, Scalar(values, "pattern")!);

        Assert.Equal(SettingsRules.Labels([new(key, value)]) is null, crdAdmits);
    }

    [Fact]
    public void Every_field_has_a_description_for_kubectl_explain()
    {
        var missing = new List<string>();
        CollectUndescribed(Schema, "", missing);
        Assert.Empty(missing);
    }

    [Fact]
    public void Names_columns_and_subresources_are_as_documented()
    {
        var names = Child(Child(Crd, "spec"), "names");
        Assert.Equal("continuousprofiles.flamewatch.io", Scalar(Child(Crd, "metadata"), "name"));
        Assert.Equal(V1Alpha1ContinuousProfile.KindValue, Scalar(names, "kind"));
        Assert.Equal(V1Alpha1ContinuousProfile.Plural, Scalar(names, "plural"));
        Assert.Equal(["cprof"], Sequence(names, "shortNames"));
        Assert.Equal(V1Alpha1ContinuousProfile.Group, Scalar(Child(Crd, "spec"), "group"));
        Assert.Equal(V1Alpha1ContinuousProfile.Version, Scalar(Version, "name"));
        Assert.NotNull(Child(Child(Version, "subresources"), "status"));

        var columns = ((YamlSequenceNode)Node(Version, "additionalPrinterColumns")).Children
            .Select(c => Scalar((YamlMappingNode)c, "name")!)
            .ToArray();
        Assert.Equal(["Application", "Matched", "Period", "Ready", "Age"], columns);
    }

    [Theory]
    [InlineData("config/samples/flamewatch.io_v1alpha1_continuousprofile.yaml")]
    [InlineData("config/samples/flamewatch.io_v1alpha1_continuousprofile_tuned.yaml")]
    public void Samples_are_valid_profiles(string path)
    {
        var document = YamlJson.ParseDocuments(File.ReadAllText(RepositoryFiles.PathOf(path)))[0];
        var profile = document.Deserialize<V1Alpha1ContinuousProfile>()!;

        Assert.Null(profile.Spec.AdditionalProperties);
        var result = EffectiveSettings.FromSpec(profile.Spec, profile.Metadata.Name!);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
    }

    private static YamlMappingNode LoadCrd()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(RepositoryFiles.PathOf(CrdPath))));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Properties(YamlMappingNode schema) => Child(schema, "properties");

    private static YamlMappingNode Child(YamlMappingNode node, string key) => (YamlMappingNode)Node(node, key);

    private static YamlNode Node(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child)
            ? child
            : throw new KeyNotFoundException($"'{key}' not found in the CRD");

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? ((YamlScalarNode)child).Value : null;

    private static string[] Sequence(YamlMappingNode node, string key) =>
        ((YamlSequenceNode)node.Children[new YamlScalarNode(key)]).Children.Select(c => ((YamlScalarNode)c).Value!).ToArray();

    private static IEnumerable<string> AllScalars(YamlNode node) => node switch
    {
        YamlScalarNode scalar => [scalar.Value ?? string.Empty],
        YamlMappingNode mapping => mapping.Children.Values.SelectMany(AllScalars),
        YamlSequenceNode sequence => sequence.Children.SelectMany(AllScalars),
        _ => [],
    };

    private static void CollectUndescribed(YamlMappingNode schema, string path, List<string> missing)
    {
        if (schema.Children.TryGetValue(new YamlScalarNode("properties"), out var properties))
        {
            foreach (var (key, value) in ((YamlMappingNode)properties).Children)
            {
                var field = (YamlMappingNode)value;
                var fieldPath = $"{path}.{((YamlScalarNode)key).Value}";
                if (Scalar(field, "description") is not { Length: > 0 })
                {
                    missing.Add(fieldPath);
                }

                CollectUndescribed(field, fieldPath, missing);
                if (field.Children.TryGetValue(new YamlScalarNode("items"), out var items))
                {
                    CollectUndescribed((YamlMappingNode)items, fieldPath + "[]", missing);
                }
            }
        }
    }
}
