using Flamewatch.Agent;
using Flamewatch.Hosting;
using Microsoft.Extensions.Options;

var root = ExecutableHost.CreateRootCommand(
    "Flamewatch agent: receives profiles (Datadog intake, Pyroscope), stores them, and serves the query API and the web UI.",
    AgentApp.Flags,
    (configuration, cancellationToken) => ExecutableHost.RunAsync(
        AgentApp.Executable,
        () => AgentApp.Build(configuration),
        services => _ = services.GetRequiredService<IOptions<AgentOptions>>().Value,
        _ => false,
        cancellationToken));
return await ExecutableHost.InvokeAsync(AgentApp.Executable, root, args);
