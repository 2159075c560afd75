using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flamewatch.Kubernetes.Config;

/// <summary>
/// A kubeconfig exec credential plugin (client.authentication.k8s.io): runs the command with KUBERNETES_EXEC_INFO,
/// reads <c>status.token</c>, caches it until <c>status.expirationTimestamp</c> or a 401.
/// </summary>
internal sealed class ExecTokenSource(ExecConfig config, string workingDirectory, TimeProvider timeProvider) : IKubeTokenSource
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset? _expires;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is not null && (_expires is null || _expires > timeProvider.GetUtcNow()))
            {
                return _token;
            }

            var credential = await RunAsync(cancellationToken).ConfigureAwait(false);
            _token = credential.Token ?? throw new KubeConfigException($"exec plugin '{config.Command}' returned no status.token (client certificates from exec plugins are not supported)");
            _expires = credential.Expires;
            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate()
    {
        _token = null;
    }

    internal async Task<(string? Token, DateTimeOffset? Expires)> RunAsync(CancellationToken cancellationToken)
    {
        var apiVersion = config.ApiVersion ?? "client.authentication.k8s.io/v1";
        // As client-go: a command with a path separator is relative to the kubeconfig's directory; a bare name is looked up on PATH.
        var command = config.Command.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(config.Command)
            ? Path.GetFullPath(Path.Combine(workingDirectory, config.Command))
            : config.Command;
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in config.Args ?? [])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var env in config.Env ?? [])
        {
            start.Environment[env.Name] = env.Value;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = "ExecCredential",
            ["spec"] = new JsonObject { ["interactive"] = false },
        }.ToJsonString();

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new KubeConfigException($"exec plugin '{config.Command}' did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            var hint = string.IsNullOrEmpty(config.InstallHint) ? "" : " " + config.InstallHint;
            throw new KubeConfigException($"exec plugin '{config.Command}' could not be started: {e.Message}.{hint}", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new KubeConfigException($"exec plugin '{config.Command}' exited with {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()}");
            }

            try
            {
                var node = JsonNode.Parse(await stdout.ConfigureAwait(false));
                var status = node?["status"];
                var token = status?["token"]?.GetValue<string>();
                var expires = status?["expirationTimestamp"]?.GetValue<string>();
                return (token, expires is null ? null : DateTimeOffset.Parse(expires, System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (JsonException e)
            {
                throw new KubeConfigException($"exec plugin '{config.Command}' printed no valid ExecCredential: {e.Message}", e);
            }
        }
    }
}
