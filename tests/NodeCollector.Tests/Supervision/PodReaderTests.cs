using Flamewatch.NodeCollector.Supervision;
using k8s;
using k8s.Models;

namespace Flamewatch.NodeCollector.Tests.Supervision;

/// <summary>Pod objects → what the planner sees: node, opt-in, settings with per-key errors, and every kind of container status.</summary>
public sealed class PodReaderTests
{
    [Fact]
    public void Reads_an_opted_in_pod_with_regular_init_and_ephemeral_containers()
    {
        var pod = Pod("""
            {"metadata":{"name":"web-1","namespace":"shop","uid":"u-1","labels":{"app.kubernetes.io/name":"web"},
              "annotations":{"flamewatch.io/enabled":"true","flamewatch.io/period":"30s"}},
             "spec":{"nodeName":"node-a","containers":[{"name":"app"}]},
             "status":{"containerStatuses":[{"name":"app","containerID":"containerd://aa"}],
               "initContainerStatuses":[{"name":"migrate","containerID":"containerd://bb"}],
               "ephemeralContainerStatuses":[{"name":"debug"}]}}
            """);

        var read = PodReader.Read(pod, "node-a");

        Assert.NotNull(read);
        Assert.Equal("web", read.Settings.ApplicationName);
        Assert.Equal(TimeSpan.FromSeconds(30), read.Settings.Period);
        Assert.Equal(["app", "migrate", "debug"], read.Containers.Select(c => c.Name));
        Assert.Equal(["containerd://aa", "containerd://bb", null], read.Containers.Select(c => c.ContainerId));
        Assert.Empty(read.Errors);
    }

    [Theory]
    [InlineData("node-b", "true")]
    [InlineData("node-a", "false")]
    [InlineData("node-a", null)]
    public void Ignores_pods_of_other_nodes_and_pods_not_opted_in(string node, string? enabled)
    {
        var annotations = enabled is null ? "{}" : "{\"flamewatch.io/enabled\":\"" + enabled + "\"}";
        var pod = Pod("{\"metadata\":{\"name\":\"p\",\"uid\":\"u\",\"annotations\":" + annotations + "},\"spec\":{\"nodeName\":\"" + node + "\"}}");

        Assert.Null(PodReader.Read(pod, "node-a"));
    }

    [Fact]
    public void Keeps_the_defaults_of_bad_values_and_names_each_key()
    {
        var pod = Pod("""
            {"metadata":{"name":"p","uid":"u","annotations":{"flamewatch.io/enabled":"true","flamewatch.io/sampling-frequency":"fast","flamewatch.io/labels":"[1]"}},
             "spec":{"nodeName":"node-a"}}
            """);

        var read = PodReader.Read(pod, "node-a")!;

        Assert.Equal(100, read.Settings.SamplingFrequency);
        Assert.Empty(read.Settings.Labels);
        Assert.Equal(["flamewatch.io/sampling-frequency", "flamewatch.io/labels"], read.Errors.Select(e => e.Source));
        Assert.Equal("p", read.Settings.ApplicationName);
    }

    private static V1Pod Pod(string json) => KubernetesJson.Deserialize<V1Pod>(json);
}
