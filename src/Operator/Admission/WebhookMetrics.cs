using Flamewatch.Hosting;
using Flamewatch.Kubernetes.Hosting;

namespace Flamewatch.Operator.Admission;

/// <summary>The admission webhook's series on /metrics, every one present from the start at zero.</summary>
internal sealed class WebhookMetrics
{
    private static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Lock _lock = new();
    private readonly long[] _outcomes = new long[Enum.GetValues<InjectionOutcome>().Length];
    private readonly long[] _bucketCounts = new long[Buckets.Length];
    private long _count;
    private double _sum;
    private long _renewals;
    private long _certificateErrors;
    private double _expiry;

    public void Admitted(InjectionOutcome outcome, TimeSpan elapsed)
    {
        lock (_lock)
        {
            _outcomes[(int)outcome]++;
            _count++;
            _sum += elapsed.TotalSeconds;
            for (var i = 0; i < Buckets.Length; i++)
            {
                if (elapsed.TotalSeconds <= Buckets[i])
                {
                    _bucketCounts[i]++;
                }
            }
        }
    }

    public long Count(InjectionOutcome outcome)
    {
        lock (_lock)
        {
            return _outcomes[(int)outcome];
        }
    }

    public void CertificateIssued() => Interlocked.Increment(ref _renewals);

    public void CertificateError() => Interlocked.Increment(ref _certificateErrors);

    public void CertificateLoaded(DateTimeOffset notAfter) => Interlocked.Exchange(ref _expiry, notAfter.ToUnixTimeSeconds());

    public void AppendTo(PrometheusTextWriter text)
    {
        lock (_lock)
        {
            text.Family("flamewatch_webhook_admissions_total", PrometheusMetricType.Counter, "Pod admissions by outcome; error and timeout admit the pod unchanged");
            foreach (var outcome in Enum.GetValues<InjectionOutcome>())
            {
                text.Sample("flamewatch_webhook_admissions_total", _outcomes[(int)outcome], ("outcome", Label(outcome)));
            }

            text.Histogram("flamewatch_webhook_admission_duration_seconds", "Time from reading an AdmissionReview to answering it", Buckets, _bucketCounts, _count, _sum);
        }

        text.Family("flamewatch_webhook_certificates_issued_total", PrometheusMetricType.Counter, "Serving certificates (and CAs) issued into the webhook Secret by this replica", Interlocked.Read(ref _renewals))
            .Family("flamewatch_webhook_certificate_errors_total", PrometheusMetricType.Counter, "Failed attempts to read, issue or publish the webhook certificate", Interlocked.Read(ref _certificateErrors))
            .Family("flamewatch_webhook_certificate_expiry_timestamp_seconds", PrometheusMetricType.Gauge, "Expiry of the serving certificate in use (0: none loaded)", Interlocked.CompareExchange(ref _expiry, 0, 0));
    }

    public static string Label(InjectionOutcome outcome) => outcome switch
    {
        InjectionOutcome.Injected => "injected",
        InjectionOutcome.NotSelected => "not_selected",
        InjectionOutcome.OptedOut => "opted_out",
        InjectionOutcome.AlreadySet => "already_set",
        InjectionOutcome.Error => "error",
        InjectionOutcome.Timeout => "timeout",
        _ => "unknown",
    };
}
