using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Flamewatch.Agent.Tests;

/// <summary>One HTTP request as a client sent it, and its multipart structure.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, bool Chunked, byte[] Body)
{
    public async Task<IReadOnlyList<RecordedPart>> PartsAsync()
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(ContentType).Boundary).Value!;
        var reader = new MultipartReader(boundary, new MemoryStream(Body));
        var parts = new List<RecordedPart>();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = section.GetContentDispositionHeader()!;
            using var content = new MemoryStream();
            await section.Body.CopyToAsync(content);
            parts.Add(new RecordedPart(
                HeaderUtilities.RemoveQuotes(disposition.Name).Value!,
                HeaderUtilities.RemoveQuotes(disposition.FileName).Value,
                section.ContentType,
                content.ToArray()));
        }
        return parts;
    }
}

internal sealed record RecordedPart(string Name, string? FileName, string? ContentType, byte[] Content)
{
    public JsonElement Json() => JsonDocument.Parse(Content).RootElement.Clone();
}
