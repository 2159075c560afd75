namespace Flamewatch.Bench.Chaos;

/// <summary>Scenario checks: a failed one is printed and makes the run exit non-zero.</summary>
internal static class Checks
{
    public static int Failures;

    public static void That(bool condition, string failure)
    {
        if (!condition)
        {
            Console.WriteLine("  FAILED: " + failure);
            Failures++;
        }
    }
}
