using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Flamewatch.Operator.Admission;

/// <summary>
/// The self-signed webhook certificates: a CA valid five years (replaced when less than a year is left, the old CA
/// staying in the bundle until it expires) and a serving certificate valid one year, renewed 30 days before it
/// expires. <see cref="Plan"/> is pure (time is a parameter); <see cref="Issue"/> creates keys.
/// </summary>
internal static class CertificatePlanner
{
    public static readonly TimeSpan CaValidity = TimeSpan.FromDays(5 * 365);
    public static readonly TimeSpan CaRenewBefore = TimeSpan.FromDays(365);
    public static readonly TimeSpan ServingValidity = TimeSpan.FromDays(365);
    public static readonly TimeSpan ServingRenewBefore = TimeSpan.FromDays(30);

    /// <summary>The DNS names a Service is reached by, plus any additional names.</summary>
    public static IReadOnlyList<string> Names(string? service, string @namespace, string? additional)
    {
        var names = new List<string>();
        if (!string.IsNullOrWhiteSpace(service))
        {
            names.AddRange([service, $"{service}.{@namespace}", $"{service}.{@namespace}.svc", $"{service}.{@namespace}.svc.cluster.local"]);
        }

        names.AddRange((additional ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public static CertificateAction Plan(CertificateBundle bundle, IReadOnlyList<string> names, DateTimeOffset now)
    {
        using var ca = TryLoad(bundle.CaCertificates, bundle.CaKey);
        if (ca is null || ca.NotAfter.ToUniversalTime() - now.UtcDateTime < CaRenewBefore)
        {
            return CertificateAction.IssueAll;
        }

        using var serving = TryLoad(bundle.Certificate, bundle.Key);
        if (serving is null
            || serving.NotAfter.ToUniversalTime() - now.UtcDateTime < ServingRenewBefore
            || serving.NotBefore.ToUniversalTime() > now.UtcDateTime
            || serving.Issuer != ca.Subject
            || !IsSignedBy(serving, ca, now)
            || !Covers(serving, names))
        {
            return CertificateAction.RenewServing;
        }

        return CertificateAction.Keep;
    }

    /// <summary>Carries out <paramref name="action"/> (not <see cref="CertificateAction.Keep"/>) on <paramref name="current"/>.</summary>
    public static CertificateBundle Issue(CertificateAction action, CertificateBundle current, IReadOnlyList<string> names, DateTimeOffset now)
    {
        string caPem;
        string caKeyPem;
        string bundlePem;
        if (action == CertificateAction.IssueAll)
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=flamewatch-webhook-ca-{now.ToUnixTimeSeconds()}", caKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            using var caCertificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(CaValidity));
            caPem = caCertificate.ExportCertificatePem();
            caKeyPem = caKey.ExportPkcs8PrivateKeyPem();
            // Keep trusting the previous CA (if still valid) so that replicas still serving its certificate are not refused.
            using var previous = TryLoad(current.CaCertificates, null);
            bundlePem = previous is not null && previous.NotAfter.ToUniversalTime() > now.UtcDateTime
                ? caPem + "\n" + previous.ExportCertificatePem()
                : caPem;
        }
        else
        {
            caPem = FirstPem(current.CaCertificates!);
            caKeyPem = current.CaKey!;
            bundlePem = current.CaCertificates!;
        }

        using var issuer = X509Certificate2.CreateFromPem(caPem, caKeyPem);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serving = new CertificateRequest($"CN={names.FirstOrDefault() ?? "flamewatch-webhook"}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        serving.CertificateExtensions.Add(san.Build());
        serving.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serving.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serving.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var notAfter = now.Add(ServingValidity) < issuer.NotAfter ? now.Add(ServingValidity) : new DateTimeOffset(issuer.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = serving.Create(issuer, now.AddMinutes(-5), notAfter, serial);
        return new CertificateBundle(bundlePem, caKeyPem, certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The certificate with its private key, or null when the PEM is missing or does not parse.</summary>
    public static X509Certificate2? TryLoad(string? certificatePem, string? keyPem)
    {
        if (string.IsNullOrEmpty(certificatePem))
        {
            return null;
        }

        try
        {
            return keyPem is null
                ? X509Certificate2.CreateFromPem(FirstPem(certificatePem))
                : X509Certificate2.CreateFromPem(FirstPem(certificatePem), keyPem);
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string FirstPem(string pem)
    {
        const string end = "-----END CERTIFICATE-----";
        var at = pem.IndexOf(end, StringComparison.Ordinal);
        return at < 0 ? pem : pem[..(at + end.Length)];
    }

    private static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 ca, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        return chain.Build(certificate);
    }

    private static bool Covers(X509Certificate2 certificate, IReadOnlyList<string> names)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (extension is null)
        {
            return names.Count == 0;
        }

        var dns = extension.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ips = extension.EnumerateIPAddresses().ToHashSet();
        return names.All(name => IPAddress.TryParse(name, out var address) ? ips.Contains(address) : dns.Contains(name));
    }
}
