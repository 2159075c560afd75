using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>The repository's real CRD and samples, served by the test API server (skipped where the CRD file is absent).</summary>
public sealed class ContinuousProfileCrdTests : ServerTestBase
{
    internal static readonly string? RepositoryRoot = FindRoot();

    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "config", "crd", "bases", "flamewatch.io_continuousprofiles.yaml")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    [RepositoryCrdFact]
    public async Task Real_crd_installs_and_its_samples_are_accepted()
    {
        var crd = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot!, "config", "crd", "bases", "flamewatch.io_continuousprofiles.yaml"), Timeout);
        await Server.CreateFromYamlAsync(crd, Timeout);
        var samples = Directory.GetFiles(Path.Combine(RepositoryRoot!, "config", "samples"), "flamewatch.io_*.yaml");
        Assert.NotEmpty(samples);
        foreach (var sample in samples)
        {
            var created = await Server.CreateFromYamlAsync(await File.ReadAllTextAsync(sample, Timeout), Timeout);
            Assert.NotEmpty(created);
        }
    }
}

public sealed class RepositoryCrdFactAttribute : FactAttribute
{
    public RepositoryCrdFactAttribute()
    {
        if (ContinuousProfileCrdTests.RepositoryRoot is null)
        {
            Skip = "config/crd/bases/flamewatch.io_continuousprofiles.yaml is not in this checkout";
        }
    }
}
