using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Diagnostics.NETCore.Client;

namespace Flamewatch.Profiling.Attach;

/// <summary>
/// Asks a runtime for its process information (the diagnostics IPC <c>ProcessInfo</c> command) through
/// <see cref="DiagnosticsClient"/>. Microsoft.Diagnostics.NETCore.Client 0.2.745401 implements that command but keeps
/// <c>GetProcessInfoAsync</c> and its <c>ProcessInfo</c> result internal, so they are reached by reflection, looked up
/// once. If a later client version renames them, the public <see cref="DiagnosticsClient.GetProcessEnvironment"/> round
/// trip still proves the attach and the version is reported as unknown.
/// </summary>
internal static class RuntimeInfoReader
{
    private static readonly MethodInfo? s_getProcessInfoAsync = typeof(DiagnosticsClient).GetMethod(
        "GetProcessInfoAsync", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(CancellationToken)]);

    /// <summary>The runtime's product version (null if this client cannot ask) and instance cookie.</summary>
    /// <remarks>
    /// A trimmed (Native AOT) build keeps what the lookups reach only because these dependencies name it: the internal
    /// method, the public properties of its internal result type, and <see cref="Task{TResult}.Result"/>.
    /// </remarks>
    [DynamicDependency("GetProcessInfoAsync", typeof(DiagnosticsClient))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, "Microsoft.Diagnostics.NETCore.Client.ProcessInfo", "Microsoft.Diagnostics.NETCore.Client")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(Task<>))]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The members looked up are kept by the DynamicDependency attributes above.")]
    public static async Task<(string? Version, Guid? Cookie)> ReadAsync(DiagnosticsClient client, CancellationToken cancellationToken)
    {
        if (s_getProcessInfoAsync is null)
        {
            await Task.Run(client.GetProcessEnvironment, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (null, null);
        }

        object? info;
        try
        {
            var task = (Task)s_getProcessInfoAsync.Invoke(client, [cancellationToken])!;
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
            info = task.GetType().GetProperty("Result")?.GetValue(task);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }

        var type = info?.GetType();
        var version = type?.GetProperty("ClrProductVersionString")?.GetValue(info) as string;
        var cookie = type?.GetProperty("RuntimeInstanceCookie")?.GetValue(info) as Guid?;
        return (string.IsNullOrEmpty(version) ? null : version, cookie);
    }
}
