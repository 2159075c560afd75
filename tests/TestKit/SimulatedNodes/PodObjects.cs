using k8s;
using k8s.Models;

namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>Pod objects for simulated pods: what the kubelet and the API server would show a collector.</summary>
public static class PodObjects
{
    /// <summary>Environment of the .NET test containers: the runtime samples at 100 Hz, the collector's default, so sampling is
    /// continuous and every partial period holds samples.</summary>
    public static readonly IReadOnlyDictionary<string, string> TargetEnvironment = new Dictionary<string, string>
    {
        ["DOTNET_EventPipeThreadSamplingRate"] = "A",
    };

    /// <summary>
    /// Creates a Pod (nodeName, annotations, one container spec per entry, each with <paramref name="environment"/> — by
    /// default <see cref="TargetEnvironment"/>), starts its containers on the simulated node
    /// with the UID the API server gave it (whatever node the pod names: a pod "on another node" then has real processes
    /// here too), and reports their container IDs in the pod's status as the kubelet does.
    /// </summary>
    public static async Task<TestPod> CreateAsync(
        IKubernetes client, SimulatedNode node, string @namespace, string name, string nodeName, KubeletCgroupDriver driver,
        IReadOnlyDictionary<string, string>? annotations, IReadOnlyList<(string Name, ContainerProgram Program)> containers,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        environment ??= TargetEnvironment;
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Annotations = annotations?.ToDictionary(), Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1PodSpec
            {
                NodeName = nodeName,
                Containers = [.. containers.Select(c => new V1Container
                {
                    Name = c.Name,
                    Image = "example.com/" + c.Name + ":1",
                    Env = environment.Count == 0 ? null : environment.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList(),
                })],
            },
        };
        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        var simulated = node.AddPod(driver, PodQos.Burstable, created.Metadata.Uid!);
        // As the kubelet does: each container's process gets the environment of the stored pod (admission webhooks included).
        foreach (var (container, program) in containers)
        {
            var stored = created.Spec.Containers.First(c => c.Name == container);
            var env = (stored.Env ?? []).Where(e => e.Value is not null).GroupBy(e => e.Name).ToDictionary(g => g.Key, g => g.Last().Value);
            await node.StartContainerAsync(simulated, container, program, null, cancellationToken, environment: env).ConfigureAwait(false);
        }

        var current = await client.CoreV1.ReadNamespacedPodAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        current.Status ??= new V1PodStatus();
        current.Status.Phase = "Running";
        current.Status.ContainerStatuses = [.. simulated.Containers.Select(c => new V1ContainerStatus
        {
            Name = c.Name,
            ContainerID = c.StatusContainerId,
            Image = "example.com/" + c.Name + ":1",
            Ready = true,
            RestartCount = 0,
        })];
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(current, name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new TestPod(name, created.Metadata.Uid!, simulated);
    }

    /// <summary>Annotations that opt a pod in with the given period, an application name and labels.</summary>
    public static Dictionary<string, string> Enabled(string application, string labelsJson = "{}", string period = "10s") => new()
    {
        ["flamewatch.io/enabled"] = "true",
        ["flamewatch.io/application-name"] = application,
        ["flamewatch.io/period"] = period,
        ["flamewatch.io/upload-timeout"] = "5s",
        ["flamewatch.io/labels"] = labelsJson,
    };
}
