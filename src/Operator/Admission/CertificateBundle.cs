namespace Flamewatch.Operator.Admission;

/// <summary>The webhook Secret's data as PEM text (kubernetes.io/tls keys plus the CA).</summary>
/// <param name="CaCertificates">ca.crt: the signing CA first, then any older CA still trusted during a CA rotation.</param>
/// <param name="CaKey">ca.key: the signing CA's private key (self-signed mode only).</param>
/// <param name="Certificate">tls.crt: the serving certificate.</param>
/// <param name="Key">tls.key: its private key.</param>
internal sealed record CertificateBundle(string? CaCertificates, string? CaKey, string? Certificate, string? Key)
{
    public const string CaCertificatesKey = "ca.crt";
    public const string CaKeyKey = "ca.key";
    public const string CertificateKey = "tls.crt";
    public const string KeyKey = "tls.key";

    public static CertificateBundle FromSecretData(IDictionary<string, byte[]>? data)
    {
        return new CertificateBundle(Text(CaCertificatesKey), Text(CaKeyKey), Text(CertificateKey), Text(KeyKey));

        string? Text(string key) => data is not null && data.TryGetValue(key, out var bytes) && bytes is { Length: > 0 } ? System.Text.Encoding.ASCII.GetString(bytes) : null;
    }

    public Dictionary<string, byte[]> ToSecretData()
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Add(CaCertificatesKey, CaCertificates);
        Add(CaKeyKey, CaKey);
        Add(CertificateKey, Certificate);
        Add(KeyKey, Key);
        return data;

        void Add(string key, string? pem)
        {
            if (pem is not null)
            {
                data[key] = System.Text.Encoding.ASCII.GetBytes(pem);
            }
        }
    }
}
