namespace Flamewatch.Kubernetes.Selectors;

/// <summary>Parses the label selector query grammar: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>, comma = AND.</summary>
internal static class LabelSelectorParser
{
    public static List<Requirement> Parse(string text)
    {
        var requirements = new List<Requirement>();
        var i = 0;
        SkipSpaces(text, ref i);
        if (i >= text.Length)
        {
            return requirements;
        }

        while (true)
        {
            requirements.Add(ParseRequirement(text, ref i));
            SkipSpaces(text, ref i);
            if (i >= text.Length)
            {
                return requirements;
            }

            if (text[i] != ',')
            {
                throw new FormatException($"unable to parse requirement: unexpected '{text[i]}' at position {i} in \"{text}\"");
            }

            i++;
        }
    }

    private static Requirement ParseRequirement(string text, ref int i)
    {
        SkipSpaces(text, ref i);
        if (i < text.Length && text[i] == '!')
        {
            i++;
            SkipSpaces(text, ref i);
            return new Requirement(ReadKey(text, ref i), SelectorOperator.DoesNotExist, []);
        }

        var key = ReadKey(text, ref i);
        SkipSpaces(text, ref i);
        if (i >= text.Length || text[i] == ',')
        {
            return new Requirement(key, SelectorOperator.Exists, []);
        }

        if (Match(text, ref i, "==") || Match(text, ref i, "="))
        {
            return new Requirement(key, SelectorOperator.Equals, [ReadValue(text, ref i)]);
        }

        if (Match(text, ref i, "!="))
        {
            return new Requirement(key, SelectorOperator.NotEquals, [ReadValue(text, ref i)]);
        }

        if (MatchWord(text, ref i, "notin"))
        {
            return new Requirement(key, SelectorOperator.NotIn, ReadSet(text, ref i));
        }

        if (MatchWord(text, ref i, "in"))
        {
            return new Requirement(key, SelectorOperator.In, ReadSet(text, ref i));
        }

        throw new FormatException($"unable to parse requirement: unknown operator at position {i} in \"{text}\"");
    }

    private static List<string> ReadSet(string text, ref int i)
    {
        SkipSpaces(text, ref i);
        if (i >= text.Length || text[i] != '(')
        {
            throw new FormatException($"unable to parse requirement: expected '(' at position {i} in \"{text}\"");
        }

        i++;
        var values = new List<string>();
        while (true)
        {
            SkipSpaces(text, ref i);
            values.Add(ReadValue(text, ref i));
            SkipSpaces(text, ref i);
            if (i >= text.Length)
            {
                throw new FormatException($"unable to parse requirement: missing ')' in \"{text}\"");
            }

            if (text[i] == ')')
            {
                i++;
                return values;
            }

            if (text[i] != ',')
            {
                throw new FormatException($"unable to parse requirement: unexpected '{text[i]}' at position {i} in \"{text}\"");
            }

            i++;
        }
    }

    private static string ReadKey(string text, ref int i)
    {
        var start = i;
        while (i < text.Length && IsKeyChar(text[i]))
        {
            i++;
        }

        if (i == start)
        {
            throw new FormatException($"unable to parse requirement: expected a key at position {i} in \"{text}\"");
        }

        return text[start..i];
    }

    private static string ReadValue(string text, ref int i)
    {
        SkipSpaces(text, ref i);
        var start = i;
        while (i < text.Length && IsValueChar(text[i]))
        {
            i++;
        }

        return text[start..i];
    }

    private static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/';

    private static bool IsValueChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    private static bool Match(string text, ref int i, string token)
    {
        if (string.CompareOrdinal(text, i, token, 0, token.Length) != 0)
        {
            return false;
        }

        i += token.Length;
        return true;
    }

    private static bool MatchWord(string text, ref int i, string word)
    {
        var end = i + word.Length;
        if (string.CompareOrdinal(text, i, word, 0, word.Length) != 0 || (end < text.Length && IsKeyChar(text[end])))
        {
            return false;
        }

        i = end;
        return true;
    }

    private static void SkipSpaces(string text, ref int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }
    }
}
