using System.Reflection;
using System.Text.RegularExpressions;
using Flamewatch.TestKit;
using Microsoft.Extensions.Logging;

namespace Flamewatch.NodeCollector.Tests;

/// <summary>The event-ID registry of docs/logging.md holds for every [LoggerMessage] of the product.</summary>
public sealed partial class LogEventIdTests
{
    private static readonly string[] ProductAssemblies =
        ["Flamewatch.Profiling", "flamewatch-collector", "Flamewatch.Kubernetes", "flamewatch-operator", "flamewatch-agent", "Flamewatch.Contracts", "Flamewatch.Settings", "Flamewatch.Hosting"];

    [Fact]
    public void EveryAssemblyHasADocumentedRange()
    {
        var ranges = DocumentedRanges();
        Assert.Equal(ProductAssemblies.Order(StringComparer.Ordinal), ranges.Keys.Order(StringComparer.Ordinal));
        var sorted = ranges.Values.OrderBy(r => r.First).ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            Assert.True(sorted[i].First > sorted[i - 1].Last, $"ranges {sorted[i - 1]} and {sorted[i]} overlap");
        }
    }

    [Fact]
    public void EveryLogMessageHasAnIdInItsAssemblysRange()
    {
        var ranges = DocumentedRanges();
        var outside = Messages()
            .Where(m => !ranges.TryGetValue(m.Assembly, out var range) || m.Id < range.First || m.Id > range.Last)
            .Select(m => $"{m.Assembly} {m.Method}: {m.Id}")
            .ToArray();
        Assert.True(outside.Length == 0, "event IDs outside the assembly's range in docs/logging.md:\n" + string.Join('\n', outside));
    }

    [Fact]
    public void NoTwoLogMessagesShareAnId()
    {
        var messages = Messages();
        Assert.True(messages.Count > 60, $"only {messages.Count} log messages found; are the product assemblies loaded?");
        var duplicates = messages
            .GroupBy(m => m.Id)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => $"{m.Assembly} {m.Method}"))}")
            .ToArray();
        Assert.True(duplicates.Length == 0, "event IDs used more than once:\n" + string.Join('\n', duplicates));
    }

    private static List<(string Assembly, string Method, int Id)> Messages()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        return ProductAssemblies
            .Select(name => Assembly.Load(name))
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(all))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Method.DeclaringType!.Assembly.GetName().Name!, $"{m.Method.DeclaringType.FullName}.{m.Method.Name}", m.Attribute!.EventId))
            .ToList();
    }

    private static Dictionary<string, (int First, int Last)> DocumentedRanges()
    {
        return File.ReadLines(RepositoryFiles.PathOf("docs/logging.md"))
            .Select(line => RangeRow().Match(line))
            .Where(match => match.Success)
            .ToDictionary(match => match.Groups["assembly"].Value, match => (int.Parse(match.Groups["first"].Value), int.Parse(match.Groups["last"].Value)));
    }

    [GeneratedRegex(@"^\| `(?<assembly>[^`]+)` \| (?<first>\d+)–(?<last>\d+) \|")]
    private static partial Regex RangeRow();
}
