using System.Text.Json;
using System.Text.Json.Nodes;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Contracts.Tests;

/// <summary>
/// Runs the CRD's schema, defaults and CEL rules through independent implementations (ajv and cel-js, from
/// tools/ after <c>make deps</c>) the way kube-apiserver applies them at admission: valid profiles pass and
/// get the documented defaults; each invalid one is rejected with the offending field named.
/// </summary>
public sealed class CrdAdmissionTests
{
    private static readonly Lazy<Dictionary<string, (string[] Errors, JsonObject? Spec)>> Results = new(RunAdmission);

    public static TheoryData<string, string, string?> Cases => new()
    {
        { "minimal", """{"selector":{}}""", null },
        { "every-field", """{"applicationName":"orders","selector":{"matchLabels":{"app":"orders"},"matchExpressions":[{"key":"tier","operator":"In","values":["api"]}]},"period":"1m30s","uploadTimeout":"20s","labels":{"team":"orders"},"samplingFrequency":1000,"profileTypes":["cpu"],"suspend":true}""", null },
        { "no-selector", """{"period":"45s"}""", ".spec.selector" },
        { "period-too-short", """{"selector":{},"period":"5s","uploadTimeout":"2s"}""", ".spec.period" },
        { "period-too-long", """{"selector":{},"period":"11m"}""", ".spec.period" },
        { "period-negative", """{"selector":{},"period":"-1s"}""", ".spec.period" },
        { "period-no-unit", """{"selector":{},"period":"45"}""", ".spec.period" },
        { "timeout-not-shorter", """{"selector":{},"period":"45s","uploadTimeout":"45s"}""", ".spec.uploadTimeout" },
        { "timeout-zero", """{"selector":{},"uploadTimeout":"0s"}""", ".spec.uploadTimeout" },
        { "frequency-zero", """{"selector":{},"samplingFrequency":0}""", ".spec.samplingFrequency" },
        { "frequency-too-high", """{"selector":{},"samplingFrequency":1001}""", ".spec.samplingFrequency" },
        { "unknown-profile-type", """{"selector":{},"profileTypes":["cpu","gpu"]}""", ".spec.profileTypes" },
        { "no-profile-type", """{"selector":{},"profileTypes":[]}""", ".spec.profileTypes" },
        { "too-many-labels", "{\"selector\":{},\"labels\":{" + string.Join(',', Enumerable.Range(0, 33).Select(i => $"\"k{i}\":\"v\"")) + "}}", ".spec.labels" },
        { "label-key-with-colon", """{"selector":{},"labels":{"a:b":"v"}}""", ".spec.labels" },
        { "label-named-service", """{"selector":{},"labels":{"service":"v"}}""", ".spec.labels" },
        { "label-value-with-comma", """{"selector":{},"labels":{"k":"a,b"}}""", ".spec.labels.k" },
        { "label-value-of-501", "{\"selector\":{},\"labels\":{\"k\":\"" + new string('v', 501) + "\"}}", ".spec.labels.k" },
        { "label-value-of-500", "{\"selector\":{},\"labels\":{\"k\":\"" + new string('v', 500) + "\"}}", null },
        { "empty-application-name", """{"selector":{},"applicationName":""}""", ".spec.applicationName" },
        { "in-without-values", """{"selector":{"matchExpressions":[{"key":"tier","operator":"In"}]}}""", ".spec.selector.matchExpressions[0].values" },
        { "exists-with-values", """{"selector":{"matchExpressions":[{"key":"tier","operator":"Exists","values":["a"]}]}}""", ".spec.selector.matchExpressions[0].values" },
        { "bad-operator", """{"selector":{"matchExpressions":[{"key":"tier","operator":"Like","values":["a"]}]}}""", ".spec.selector.matchExpressions[0].operator" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Admission_accepts_valid_profiles_and_names_the_field_of_invalid_ones(string name, string spec, string? rejectedField)
    {
        _ = spec;
        var (errors, _) = Results.Value[name];
        if (rejectedField is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.StartsWith(rejectedField, StringComparison.Ordinal) && e[rejectedField.Length] is ':' or '[');
        }
    }

    [Fact]
    public void The_defaults_admission_fills_in_are_what_the_operator_assumes()
    {
        var defaulted = Results.Value["minimal"].Spec!;
        var spec = defaulted.Deserialize<V1Alpha1ContinuousProfileSpec>()!;
        Assert.NotNull(spec.Period);
        Assert.NotNull(spec.UploadTimeout);
        Assert.NotNull(spec.SamplingFrequency);
        Assert.NotNull(spec.ProfileTypes);

        var fromDefaults = EffectiveSettings.FromSpec(spec, "p");
        var fromNothing = EffectiveSettings.FromSpec(new V1Alpha1ContinuousProfileSpec { Selector = new() }, "p");
        Assert.True(fromDefaults.IsValid);
        Assert.Equal(fromNothing.Settings, fromDefaults.Settings);
    }

    private static Dictionary<string, (string[] Errors, JsonObject? Spec)> RunAdmission()
    {
        var tools = RepositoryFiles.PathOf("tools");
        Assert.True(Directory.Exists(Path.Combine(tools, "node_modules", "ajv")), "tools/node_modules is missing: run `make deps` first");
        var objects = new JsonArray(Cases.Select(row => (JsonNode)new JsonObject
        {
            ["apiVersion"] = V1Alpha1ContinuousProfile.ApiVersionValue,
            ["kind"] = V1Alpha1ContinuousProfile.KindValue,
            ["metadata"] = new JsonObject { ["name"] = (string)row[0] },
            ["spec"] = JsonNode.Parse((string)row[1]),
        }).ToArray());
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, objects.ToJsonString());
            var result = Command.Run("node",
            [
                RepositoryFiles.PathOf("tests/Contracts.Tests/crd/validate.mjs"),
                RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml"),
                input,
                tools,
            ], timeout: TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0, $"node failed: {result.StdErr}");
            return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonNode.Parse(line)!.AsObject())
                .ToDictionary(
                    result => result["name"]!.GetValue<string>(),
                    result => (result["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray(), result["spec"] as JsonObject));
        }
        finally
        {
            File.Delete(input);
        }
    }
}
