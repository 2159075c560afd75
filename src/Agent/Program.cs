using Flamewatch.Agent;

await AgentApp.Build(args).RunAsync();
