using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// Generated JSON metadata for the Kubernetes objects the node collector reads and writes: pods (listed and watched),
/// Events (created and patched), Status (errors), exec credential plugins' answers. Options as the official client's
/// own context.
/// </summary>
/// <remarks>
/// The official client's context covers every Kubernetes API type, and a trimmed build keeps all of it, since its lookup
/// names them all: about 16 MB of the collector's Native AOT executable, expanded into memory at startup. The collector's
/// build stubs that lookup (<c>src/NodeCollector/KubernetesClient.Substitutions.xml</c>), so the client's options resolve
/// these types here instead and the rest is trimmed away. Every other build resolves them here too (the metadata is
/// generated from the same models with the same options), with the client's context behind for the types not listed.
/// A type the collector starts to use must be listed here: the Native AOT component test (NativeCollectorTests) fails
/// otherwise.
/// </remarks>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    Converters = [typeof(KubernetesJson.Iso8601TimeSpanConverter), typeof(KubernetesJson.KubernetesDateTimeConverter), typeof(KubernetesJson.KubernetesDateTimeOffsetConverter), typeof(V1Status.V1StatusObjectViewConverter)])]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1PodList))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(V1Patch))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(k8s.KubeConfigModels.ExecCredentialResponse))]
internal sealed partial class KubeJsonContext : JsonSerializerContext
{
    private static int s_registered;

    /// <summary>
    /// Puts <see cref="WatchEventResolver"/> and this context ahead of the client's own in the client's serializer
    /// options, once; before the client reads anything (its configuration reads exec credential plugins' answers). If
    /// something else has used the options already, they are read-only and left as they are (the client's context and
    /// reflection then serve every type, as they can in every build but the collector's Native AOT).
    /// </summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) != 0)
        {
            return;
        }

        KubernetesJson.AddJsonOptions(options =>
        {
            if (!options.IsReadOnly)
            {
                options.TypeInfoResolverChain.Insert(0, new WatchEventResolver());
                options.TypeInfoResolverChain.Insert(1, Default);
            }
        });
    }
}
