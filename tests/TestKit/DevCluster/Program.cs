using System.Runtime.InteropServices;
using Flamewatch.TestKit;

// Serves the test API server until Ctrl-C so that real kubectl (and the operator) can be pointed at it.
// Usage: flamewatch-dev-cluster [kubeconfig-path] [port]
var kubeconfig = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine(".dev", "kubeconfig"));
var port = args.Length > 1 && int.TryParse(args[1], out var p) ? p : 0;
await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { KubeconfigPath = kubeconfig, Port = port });
Console.WriteLine($"Test API server listening on {server.Url}");
Console.WriteLine($"kubeconfig: {kubeconfig}");
Console.WriteLine($"  export KUBECONFIG={kubeconfig}");
Console.WriteLine("CRDs are not preinstalled: kubectl apply -f config/crd/bases/");
Console.WriteLine("Press Ctrl-C to stop.");
var done = new TaskCompletionSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    done.TrySetResult();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
await done.Task;
Console.WriteLine("Stopped.");
