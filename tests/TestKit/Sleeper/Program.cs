// A minimal .NET process for the simulated node: it prints "ready" once the runtime is up (and with it the
// diagnostic socket, unless diagnostics are disabled), then waits until it is killed or its stdin closes.
Console.Out.WriteLine("ready");
Console.Out.Flush();
while (Console.In.Read() >= 0)
{
}

return 0;
