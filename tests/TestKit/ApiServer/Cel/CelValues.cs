using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flamewatch.Kubernetes;
using Flamewatch.Settings;

namespace Flamewatch.TestKit.ApiServer.Cel;

/// <summary>Values and operators of the CEL subset: long, double, string, bool, null, lists, maps, duration (TimeSpan), timestamp.</summary>
public static class CelValues
{
    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => FromJson(p.Value)),
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        _ => throw new CelException($"unsupported JSON value {node.ToJsonString()}"),
    };

    internal static object? Binary(string op, object? l, object? r)
    {
        switch (op)
        {
            case "==":
                return EqualValues(l, r);
            case "!=":
                return !EqualValues(l, r);
            case "in":
                return r switch
                {
                    IReadOnlyList<object?> list => list.Any(x => EqualValues(x, l)),
                    IReadOnlyDictionary<string, object?> map => l is string k && map.ContainsKey(k),
                    _ => throw new CelException("no such overload for 'in'"),
                };
            case "<" or "<=" or ">" or ">=":
                var c = Compare(l, r);
                return op switch { "<" => c < 0, "<=" => c <= 0, ">" => c > 0, _ => c >= 0 };
        }

        return (op, l, r) switch
        {
            ("+", long a, long b) => a + b,
            ("-", long a, long b) => a - b,
            ("*", long a, long b) => a * b,
            ("/", long a, long b) => b == 0 ? throw new CelException("division by zero") : a / b,
            ("%", long a, long b) => b == 0 ? throw new CelException("modulus by zero") : a % b,
            ("+", double a, double b) => a + b,
            ("-", double a, double b) => a - b,
            ("*", double a, double b) => a * b,
            ("/", double a, double b) => a / b,
            ("+", string a, string b) => a + b,
            ("+", IReadOnlyList<object?> a, IReadOnlyList<object?> b) => a.Concat(b).ToList(),
            ("+", TimeSpan a, TimeSpan b) => a + b,
            ("-", TimeSpan a, TimeSpan b) => a - b,
            ("+", DateTimeOffset a, TimeSpan b) => a + b,
            ("-", DateTimeOffset a, TimeSpan b) => a - b,
            ("-", DateTimeOffset a, DateTimeOffset b) => a - b,
            _ => throw new CelException($"no such overload for '{op}' on {TypeName(l)} and {TypeName(r)}"),
        };
    }

    internal static object? Call(string function, object? target, bool isMember, IReadOnlyList<object?> args)
    {
        var all = isMember ? new[] { target }.Concat(args).ToList() : args.ToList();
        return (function, all.Count) switch
        {
            ("size", 1) => all[0] switch
            {
                string s => (long)new StringInfo(s).LengthInTextElements,
                IReadOnlyList<object?> l => (long)l.Count,
                IReadOnlyDictionary<string, object?> m => (long)m.Count,
                _ => throw new CelException($"no such overload for size({TypeName(all[0])})"),
            },
            ("duration", 1) => all[0] switch
            {
                TimeSpan t => t,
                string s => GoDuration.TryParseGoSyntax(s, out var d) ? d : throw new CelException($"invalid duration argument: \"{s}\""),
                _ => throw new CelException("no such overload for duration()"),
            },
            ("timestamp", 1) => all[0] switch
            {
                DateTimeOffset t => t,
                string s => DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : throw new CelException($"invalid timestamp \"{s}\""),
                _ => throw new CelException("no such overload for timestamp()"),
            },
            ("int", 1) => all[0] switch
            {
                long l => l,
                double d => (long)d,
                string s => long.TryParse(s, CultureInfo.InvariantCulture, out var l) ? l : throw new CelException($"cannot convert \"{s}\" to int"),
                _ => throw new CelException("no such overload for int()"),
            },
            ("double", 1) => all[0] switch
            {
                long l => (double)l,
                double d => d,
                string s => double.TryParse(s, CultureInfo.InvariantCulture, out var d) ? d : throw new CelException($"cannot convert \"{s}\" to double"),
                _ => throw new CelException("no such overload for double()"),
            },
            ("string", 1) => all[0] switch
            {
                string s => s,
                long l => l.ToString(CultureInfo.InvariantCulture),
                double d => d.ToString(CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                TimeSpan t => GoDuration.Format(t),
                _ => throw new CelException("no such overload for string()"),
            },
            ("matches", 2) when all[0] is string s && all[1] is string re => Regex.IsMatch(s, re, RegexOptions.None, TimeSpan.FromSeconds(1)),
            ("startsWith", 2) when all[0] is string s && all[1] is string p => s.StartsWith(p, StringComparison.Ordinal),
            ("endsWith", 2) when all[0] is string s && all[1] is string p => s.EndsWith(p, StringComparison.Ordinal),
            ("contains", 2) when all[0] is string s && all[1] is string p => s.Contains(p, StringComparison.Ordinal),
            _ => throw new CelException($"found no matching overload for '{function}' with {all.Count} argument(s)"),
        };
    }

    private static bool EqualValues(object? l, object? r) => (l, r) switch
    {
        (null, null) => true,
        (long a, double b) => a == b,
        (double a, long b) => a == b,
        (IReadOnlyList<object?> a, IReadOnlyList<object?> b) => a.Count == b.Count && a.Zip(b).All(p => EqualValues(p.First, p.Second)),
        (IReadOnlyDictionary<string, object?> a, IReadOnlyDictionary<string, object?> b) => a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && EqualValues(p.Value, v)),
        _ => Equals(l, r),
    };

    private static int Compare(object? l, object? r) => (l, r) switch
    {
        (long a, long b) => a.CompareTo(b),
        (double a, double b) => a.CompareTo(b),
        (long a, double b) => ((double)a).CompareTo(b),
        (double a, long b) => a.CompareTo(b),
        (string a, string b) => string.CompareOrdinal(a, b),
        (TimeSpan a, TimeSpan b) => a.CompareTo(b),
        (DateTimeOffset a, DateTimeOffset b) => a.CompareTo(b),
        (bool a, bool b) => a.CompareTo(b),
        _ => throw new CelException($"no such overload for comparing {TypeName(l)} and {TypeName(r)}"),
    };

    private static string TypeName(object? v) => v switch
    {
        null => "null",
        long => "int",
        double => "double",
        string => "string",
        bool => "bool",
        TimeSpan => "duration",
        DateTimeOffset => "timestamp",
        IReadOnlyList<object?> => "list",
        _ => "map",
    };
}
