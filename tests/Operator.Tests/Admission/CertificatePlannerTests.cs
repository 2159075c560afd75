using System.Security.Cryptography.X509Certificates;
using Flamewatch.Operator.Admission;

namespace Flamewatch.Operator.Tests.Admission;

public sealed class CertificatePlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyList<string> Names = CertificatePlanner.Names("flamewatch-webhook", "flamewatch", "127.0.0.1");

    [Fact]
    public void Names_cover_every_way_the_service_is_addressed_plus_additional_ones()
    {
        Assert.Equal(
            ["flamewatch-webhook", "flamewatch-webhook.flamewatch", "flamewatch-webhook.flamewatch.svc", "flamewatch-webhook.flamewatch.svc.cluster.local", "127.0.0.1"],
            Names);
    }

    [Fact]
    public void An_empty_or_unreadable_secret_gets_a_new_CA_and_certificate_which_are_then_kept()
    {
        Assert.Equal(CertificateAction.IssueAll, CertificatePlanner.Plan(new(null, null, null, null), Names, Now));
        Assert.Equal(CertificateAction.IssueAll, CertificatePlanner.Plan(new("garbage", "garbage", "x", "y"), Names, Now));

        var issued = CertificatePlanner.Issue(CertificateAction.IssueAll, new(null, null, null, null), Names, Now);

        Assert.Equal(CertificateAction.Keep, CertificatePlanner.Plan(issued, Names, Now));
        using var serving = X509Certificate2.CreateFromPem(issued.Certificate, issued.Key);
        Assert.True(serving.MatchesHostname("flamewatch-webhook.flamewatch.svc"));
        Assert.True(serving.MatchesHostname("127.0.0.1"));
        Assert.Equal(Now.Add(CertificatePlanner.ServingValidity).UtcDateTime, serving.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void The_serving_certificate_is_renewed_30_days_before_expiry_by_the_same_CA()
    {
        var issued = CertificatePlanner.Issue(CertificateAction.IssueAll, new(null, null, null, null), Names, Now);
        var later = Now.Add(CertificatePlanner.ServingValidity - CertificatePlanner.ServingRenewBefore);

        Assert.Equal(CertificateAction.Keep, CertificatePlanner.Plan(issued, Names, later.AddDays(-1)));
        Assert.Equal(CertificateAction.RenewServing, CertificatePlanner.Plan(issued, Names, later.AddDays(1)));

        var renewed = CertificatePlanner.Issue(CertificateAction.RenewServing, issued, Names, later.AddDays(1));
        Assert.Equal(issued.CaCertificates, renewed.CaCertificates);
        Assert.NotEqual(issued.Certificate, renewed.Certificate);
        Assert.Equal(CertificateAction.Keep, CertificatePlanner.Plan(renewed, Names, later.AddDays(1)));
    }

    [Fact]
    public void A_certificate_missing_a_name_or_signed_by_another_CA_is_renewed()
    {
        var issued = CertificatePlanner.Issue(CertificateAction.IssueAll, new(null, null, null, null), Names, Now);
        Assert.Equal(CertificateAction.RenewServing, CertificatePlanner.Plan(issued, [.. Names, "extra.example"], Now));

        var other = CertificatePlanner.Issue(CertificateAction.IssueAll, new(null, null, null, null), Names, Now);
        Assert.Equal(CertificateAction.RenewServing, CertificatePlanner.Plan(issued with { Certificate = other.Certificate, Key = other.Key }, Names, Now));
    }

    [Fact]
    public void A_CA_close_to_expiry_is_replaced_and_the_old_one_stays_trusted_in_the_bundle()
    {
        var issued = CertificatePlanner.Issue(CertificateAction.IssueAll, new(null, null, null, null), Names, Now);
        var late = Now.Add(CertificatePlanner.CaValidity - CertificatePlanner.CaRenewBefore).AddDays(1);

        Assert.Equal(CertificateAction.IssueAll, CertificatePlanner.Plan(issued, Names, late));
        var replaced = CertificatePlanner.Issue(CertificateAction.IssueAll, issued, Names, late);

        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPem(replaced.CaCertificates);
        Assert.Equal(2, bundle.Count);
        Assert.Contains(issued.CaCertificates!.Trim(), replaced.CaCertificates!, StringComparison.Ordinal);
        Assert.Equal(CertificateAction.Keep, CertificatePlanner.Plan(replaced, Names, late));
    }
}
