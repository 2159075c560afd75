namespace Flamewatch.Chart.Tests;

internal sealed record CommandResult(int ExitCode, string StdOut, string StdErr)
{
    public string Output => StdOut + StdErr;
}
