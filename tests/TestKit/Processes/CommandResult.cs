namespace Flamewatch.TestKit.Processes;

/// <summary>What a finished command printed and how it exited.</summary>
public sealed record CommandResult(int ExitCode, string StdOut, string StdErr)
{
    public string Output => StdOut + StdErr;
}
