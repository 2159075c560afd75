using Flamewatch.Profiling.Export;

namespace Flamewatch.Agent.Tests;

public sealed class ExporterTests
{
    private static ProfileUpload Upload(string application = "orders", string leaf = "Orders.Handle") =>
        Uploads.CollectorUpload(application, new Dictionary<string, string> { ["pod_name"] = "orders-7d9", ["kube_namespace"] = "shop", ["team"] = "a,b" },
            DateTimeOffset.UtcNow.AddSeconds(-45), (["Main", leaf], [10_000_000, 20_000_000, 3, 4096, 8192]));

    [Fact]
    public async Task DatadogExporterUploadsAreAcceptedByTheAgentWithAllFiveTypesAndTags()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        using var exporter = new DatadogAgentExporter(agent.BaseAddress.ToString().TrimEnd('/'), TimeSpan.FromSeconds(10));
        await exporter.ExportAsync(Upload(), cts.Token);
        Assert.Equal((1, 0), (exporter.Succeeded, exporter.Failed));

        var app = Assert.Single(agent.Store.GetApplications());
        Assert.Equal("orders", app.Name);
        Assert.Equal(Pprofs.CollectorTypes.Order(StringComparer.Ordinal), app.ProfileTypes);
        Assert.Equal("orders-7d9", Assert.Single(app.Labels["pod_name"]));
        Assert.Equal("a_b", Assert.Single(app.Labels["team"]));
        var alloc = Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=orders&type=alloc-size/bytes&kube_namespace=shop", cts.Token));
        Assert.Equal(4096, Pprofs.Stacks(alloc)["Main;Orders.Handle"]);
    }

    [Fact]
    public async Task DatadogExporterReachesAnAgentOnAUnixSocket()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var socket = Path.Combine(Path.GetTempPath(), $"fw-{Guid.NewGuid():N}"[..16] + ".sock");
        await using var agent = await TestAgent.StartAsync("--urls", $"http://unix:{socket}");
        try
        {
            using var exporter = new DatadogAgentExporter($"unix://{socket}", TimeSpan.FromSeconds(10));
            await exporter.ExportAsync(Upload("over-socket"), cts.Token);
            Assert.Equal("over-socket", Assert.Single(agent.Store.GetApplications()).Name);
        }
        finally
        {
            File.Delete(socket);
        }
    }

    [Fact]
    public async Task PyroscopeExporterPushesToTheAgentsIngest()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        using var exporter = new PyroscopeExporter(agent.BaseAddress.ToString(), TimeSpan.FromSeconds(10));
        await exporter.ExportAsync(Upload("pushed"), cts.Token);
        var app = Assert.Single(agent.Store.GetApplications());
        Assert.Equal("pushed", app.Name);
        Assert.Equal("shop", Assert.Single(app.Labels["kube_namespace"]));
        var cpu = Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=pushed&type=cpu-time/nanoseconds&pod_name=orders-7d9", cts.Token));
        Assert.Equal(10_000_000, Pprofs.Stacks(cpu)["Main;Orders.Handle"]);
    }
}
