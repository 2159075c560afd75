using System.CommandLine;
using Flamewatch.Hosting;
using Flamewatch.NodeCollector.Hosting;
using Flamewatch.NodeCollector.Local;

var root = new RootCommand("Flamewatch node collector: profiles .NET processes over EventPipe and writes or uploads pprof profiles.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ProfileCommand.Create());
return await ExecutableHost.InvokeAsync(RunCommand.Executable, root, args).ConfigureAwait(false);
