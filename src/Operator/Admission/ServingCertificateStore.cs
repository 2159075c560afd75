using System.Security.Cryptography.X509Certificates;

namespace Flamewatch.Operator.Admission;

/// <summary>
/// The serving certificate in use. Kestrel asks for it on every TLS handshake, so a certificate renewed in the Secret
/// is served from the next handshake on, without a restart.
/// </summary>
internal sealed class ServingCertificateStore : IDisposable
{
    private readonly Lock _lock = new();
    private X509Certificate2? _current;
    private string? _loadedPem;

    public X509Certificate2? Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>Loads the pair unless it is the one already in use; returns the certificate in use afterwards.</summary>
    public X509Certificate2? Load(string? certificatePem, string? keyPem)
    {
        lock (_lock)
        {
            if (certificatePem is null || keyPem is null || certificatePem + keyPem == _loadedPem)
            {
                return _current;
            }

            using var parsed = CertificatePlanner.TryLoad(certificatePem, keyPem);
            if (parsed is null)
            {
                return _current;
            }

            // Re-import through PKCS#12 so that SslStream gets a certificate whose private key it can use everywhere.
            // The previous certificate is not disposed: a handshake in flight may still hold it.
            _current = X509CertificateLoader.LoadPkcs12(parsed.Export(X509ContentType.Pfx), null);
            _loadedPem = certificatePem + keyPem;
            return _current;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _current?.Dispose();
            _current = null;
        }
    }
}
