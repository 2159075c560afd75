namespace Flamewatch.Contracts;

/// <summary>
/// The pod annotations that are the one contract between the operator, users and collectors.
/// A user opts a pod in by hand with <see cref="Enabled"/> (and optionally the settings keys); the operator
/// writes all of <see cref="OperatorKeys"/> and names itself in <see cref="ManagedBy"/>.
/// </summary>
public static class FlamewatchAnnotations
{
    public const string Prefix = "flamewatch.io/";

    /// <summary><c>"true"</c>: profile this pod.</summary>
    public const string Enabled = Prefix + "enabled";

    public const string ApplicationName = Prefix + "application-name";

    /// <summary>Aggregation window and upload interval, a duration such as <c>45s</c>.</summary>
    public const string Period = Prefix + "period";

    public const string UploadTimeout = Prefix + "upload-timeout";

    /// <summary>Sampling frequency in hertz, an integer.</summary>
    public const string SamplingFrequency = Prefix + "sampling-frequency";

    /// <summary>Comma-separated profile types, e.g. <c>cpu,wall</c>.</summary>
    public const string ProfileTypes = Prefix + "profile-types";

    /// <summary>Custom labels as a JSON object of strings.</summary>
    public const string Labels = Prefix + "labels";

    /// <summary>Name of the ContinuousProfile (same namespace) that wrote the keys; absent on a user opt-in.</summary>
    public const string ManagedBy = Prefix + "managed-by";

    /// <summary>
    /// Set by the operator's admission webhook on a pod whose containers it gave <c>DOTNET_EventPipeThreadSamplingRate</c>;
    /// the value is what was injected (hexadecimal milliseconds, e.g. <c>A</c>). Never removed: it describes how the pod started.
    /// </summary>
    public const string SamplingRateInjected = Prefix + "sampling-rate-injected";

    public const string EnabledValue = "true";

    /// <summary>Every key the operator writes on a selected pod, and removes again when it releases the pod.</summary>
    public static IReadOnlyList<string> OperatorKeys { get; } =
    [
        Enabled, ApplicationName, Period, UploadTimeout, SamplingFrequency, ProfileTypes, Labels, ManagedBy,
    ];

    /// <summary>True when a user opted the pod in (or out) by hand: the operator never touches such a pod.</summary>
    public static bool IsUserManaged(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is not null && annotations.ContainsKey(Enabled) && !annotations.ContainsKey(ManagedBy);
}
