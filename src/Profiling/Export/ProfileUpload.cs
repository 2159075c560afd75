namespace Flamewatch.Profiling.Export;

/// <summary>
/// One period's profile of one process, ready to send: what the Datadog agent intake calls an
/// "event" plus its attachments.
/// </summary>
/// <param name="ApplicationName">Sent as the <c>service</c> tag.</param>
/// <param name="Start">Start of the period the profile covers.</param>
/// <param name="End">End of the period the profile covers.</param>
/// <param name="Tags">Custom labels and metadata (pod_name, kube_namespace, container_name, runtime_version, ...).
/// Keys and values are sent verbatim as <c>key:value</c> pairs of <c>tags_profiler</c>.</param>
/// <param name="Attachments">The gzip-compressed pprof files of the period.</param>
public sealed record ProfileUpload(
    string ApplicationName,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<ProfileAttachment> Attachments);
