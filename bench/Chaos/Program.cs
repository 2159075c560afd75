using Flamewatch.Bench.Chaos;

// `make chaos`: fault scenarios, each bounded in time, on loopback only; each prints what it measured.
// Usage: Flamewatch.Bench.Chaos [scenario ...] [--cycles N] [--soak-seconds S]; scenarios: outage, midupload, targets,
// apifaults, collectorfaults, operatorkills, replicas (the default set), and soak (run by `make bench`, default 30 min).
var cycles = 300;
var soakSeconds = 1800;
var chosen = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--cycles" && i + 1 < args.Length)
    {
        cycles = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--soak-seconds" && i + 1 < args.Length)
    {
        soakSeconds = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    }
    else
    {
        chosen.Add(args[i]);
    }
}
var scenarios = new (string Name, Func<Task> Run)[]
{
    ("outage", AgentScenarios.AgentOutagesAsync),
    ("midupload", AgentScenarios.AgentKilledMidUploadAsync),
    ("targets", () => TargetScenarios.TargetCyclesAsync(cycles)),
    ("apifaults", OperatorScenarios.ApiFaultsAsync),
    ("collectorfaults", CollectorScenarios.CollectorFaultsAsync),
    ("operatorkills", OperatorScenarios.OperatorKillsAsync),
    ("replicas", OperatorScenarios.TwoReplicasAsync),
    ("soak", () => SoakScenario.SoakAsync(TimeSpan.FromSeconds(soakSeconds))),
};
foreach (var (name, run) in scenarios.Where(s => chosen.Count == 0 ? s.Name != "soak" : chosen.Contains(s.Name)))
{
    var clock = System.Diagnostics.Stopwatch.StartNew();
    try
    {
        var limit = name switch
        {
            "soak" => TimeSpan.FromSeconds(soakSeconds + 180),
            "targets" => TimeSpan.FromSeconds(60 + (cycles * 6)),
            _ => TimeSpan.FromMinutes(6),
        };
        await run().WaitAsync(limit);
    }
    catch (Exception e)
    {
        Console.WriteLine($"  FAILED: {name} threw {e.GetType().Name}: {e.Message}");
        Checks.Failures++;
    }
    Console.WriteLine($"  ({name}: {clock.Elapsed.TotalSeconds:F0}s)");
}
Console.WriteLine(Checks.Failures == 0 ? "chaos: every scenario held" : $"chaos: {Checks.Failures} check(s) failed");
return Checks.Failures == 0 ? 0 : 1;

