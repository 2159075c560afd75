using Flamewatch.Settings;
using Flamewatch.TestKit;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>
/// Bad ContinuousProfiles sent to the API server (the in-process test API server, which applies the CRD's
/// OpenAPI schema and CEL rules as kube-apiserver does) with the repository's real CRD installed: each is
/// rejected as Invalid (422), and the message names the offending field.
/// </summary>
public sealed class InvalidProfileAdmissionTests
{
    public static TheoryData<string, string, string> BadSpecs => new()
    {
        { "no selector", "{period: 45s}", "spec.selector" },
        { "period too short", "{selector: {}, period: 5s, uploadTimeout: 2s}", "spec.period" },
        { "period too long", "{selector: {}, period: 11m}", "spec.period" },
        { "period negative", "{selector: {}, period: -1s}", "spec.period" },
        { "period without unit", "{selector: {}, period: '45'}", "spec.period" },
        { "period not a duration", "{selector: {}, period: soon}", "spec.period" },
        { "period a number", "{selector: {}, period: 45}", "spec.period" },
        { "upload timeout not shorter than period", "{selector: {}, period: 45s, uploadTimeout: 45s}", "spec.uploadTimeout" },
        { "upload timeout zero", "{selector: {}, uploadTimeout: 0s}", "spec.uploadTimeout" },
        { "upload timeout garbage", "{selector: {}, uploadTimeout: '10 seconds'}", "spec.uploadTimeout" },
        { "sampling frequency zero", "{selector: {}, samplingFrequency: 0}", "spec.samplingFrequency" },
        { "sampling frequency too high", "{selector: {}, samplingFrequency: 1001}", "spec.samplingFrequency" },
        { "sampling frequency a string", "{selector: {}, samplingFrequency: fast}", "spec.samplingFrequency" },
        { "unknown profile type", "{selector: {}, profileTypes: [cpu, gpu]}", "spec.profileTypes" },
        { "no profile type", "{selector: {}, profileTypes: []}", "spec.profileTypes" },
        { "duplicate profile type", "{selector: {}, profileTypes: [cpu, cpu]}", "spec.profileTypes" },
        { "too many labels", "{selector: {}, labels: {" + string.Join(", ", Enumerable.Range(0, 33).Select(i => $"k{i}: v")) + "}}", "spec.labels" },
        { "label value too long", "{selector: {}, labels: {team: " + new string('x', SettingsRules.MaxLabelValueLength + 1) + "}}", "spec.labels" },
        { "label value with a comma", "{selector: {}, labels: {team: 'a,b'}}", "spec.labels" },
        { "label key with a colon", "{selector: {}, labels: {'a:b': v}}", "spec.labels" },
        { "label named service", "{selector: {}, labels: {service: other}}", "spec.labels" },
        { "label value not a string", "{selector: {}, labels: {team: {nested: x}}}", "spec.labels" },
        { "empty application name", "{selector: {}, applicationName: ''}", "spec.applicationName" },
        { "application name too long", "{selector: {}, applicationName: " + new string('a', 101) + "}", "spec.applicationName" },
        { "In without values", "{selector: {matchExpressions: [{key: tier, operator: In}]}}", "spec.selector.matchExpressions[0].values" },
        { "Exists with values", "{selector: {matchExpressions: [{key: tier, operator: Exists, values: [a]}]}}", "spec.selector.matchExpressions[0].values" },
        { "unknown operator", "{selector: {matchExpressions: [{key: tier, operator: Like, values: [a]}]}}", "spec.selector.matchExpressions[0].operator" },
        { "expression without key", "{selector: {matchExpressions: [{operator: Exists}]}}", "spec.selector.matchExpressions[0].key" },
        { "suspend not a boolean", "{selector: {}, suspend: maybe}", "spec.suspend" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task A_bad_spec_is_rejected_naming_the_field(string description, string spec, string field)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var server = await TestKit.TestApiServer.StartAsync(cancellationToken: cts.Token);
        await server.CreateFromYamlAsync(await File.ReadAllTextAsync(RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml"), cts.Token), cts.Token);

        var yaml = $"apiVersion: flamewatch.io/v1alpha1\nkind: ContinuousProfile\nmetadata: {{name: bad, namespace: default}}\nspec: {spec}\n";
        var rejected = await Assert.ThrowsAsync<RawApiException>(() => server.CreateFromYamlAsync(yaml, cts.Token));
        Assert.True(rejected.Code == 422, $"{description}: {rejected.Code} {rejected.Message}");
        Assert.True(rejected.Message.Contains(field, StringComparison.Ordinal), $"{description}: the error does not name {field}: {rejected.Message}");
        Assert.Empty(server.Objects("flamewatch.io", "continuousprofiles"));
    }
}
