using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Chart.Tests;

/// <summary>The real helm binary, with its state kept out of $HOME.</summary>
internal static class Helm
{
    private static readonly string State = Directory.CreateTempSubdirectory("flamewatch-helm-").FullName;

    private static readonly Dictionary<string, string?> Environment = new()
    {
        ["HELM_CACHE_HOME"] = Path.Combine(State, "cache"),
        ["HELM_CONFIG_HOME"] = Path.Combine(State, "config"),
        ["HELM_DATA_HOME"] = Path.Combine(State, "data"),
    };

    /// <summary>The chart's directory (charts/flamewatch).</summary>
    public static string Chart => RepositoryFiles.PathOf("charts/flamewatch");

    public static Task<CommandResult> RunAsync(params string[] arguments) =>
        Command.RunAsync(RepositoryFiles.Tool("helm"), arguments, Environment);

    /// <summary>Renders the chart with the given <c>--set</c> values; fails the test when helm fails.</summary>
    public static async Task<RenderedChart> TemplateAsync(params string[] setValues)
    {
        var result = await RunAsync(TemplateArguments(setValues));
        Assert.True(result.ExitCode == 0, "helm template failed:\n" + result.Output);
        return RenderedChart.Parse(result.StdOut);
    }

    public static string[] TemplateArguments(IEnumerable<string> setValues)
    {
        var arguments = new List<string> { "template", "fw", Helm.Chart, "--namespace", "flamewatch" };
        foreach (var value in setValues)
        {
            arguments.Add("--set");
            arguments.Add(value);
        }

        return [.. arguments];
    }
}
