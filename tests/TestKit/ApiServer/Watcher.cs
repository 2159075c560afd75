using System.Threading.Channels;
using Flamewatch.Kubernetes.Selectors;
using Microsoft.AspNetCore.Http;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>One open watch: its filter and the queue of serialized events its response loop writes.</summary>
internal sealed class Watcher(ServedResource resource, string? @namespace, LabelSelectorExpression labels, FieldSelectorExpression fields, bool bookmarks, HttpContext context)
{
    public ServedResource Resource => resource;

    public bool Bookmarks => bookmarks;

    public HttpContext Context => context;

    /// <summary>Applied to each object before it is written (server-side printing for kubectl get -w).</summary>
    public Func<System.Text.Json.Nodes.JsonObject, System.Text.Json.Nodes.JsonObject>? Transform { get; init; }

    public Channel<byte[]> Events { get; } = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Set by the "silence" fault: the connection stays open but nothing more is written.</summary>
    public volatile bool Silenced;

    public bool Matches(System.Text.Json.Nodes.JsonObject? obj)
    {
        if (obj is null)
        {
            return false;
        }

        if (@namespace is not null && obj["metadata"]?["namespace"]?.GetValue<string>() != @namespace)
        {
            return false;
        }

        return labels.Matches(ApiStore.Labels(obj)) && fields.Matches(f => resource.Field(obj, f));
    }
}
