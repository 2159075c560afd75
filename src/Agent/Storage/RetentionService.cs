using Microsoft.Extensions.Options;

namespace Flamewatch.Agent.Storage;

/// <summary>Deletes profiles past the retention age, then the oldest while the data exceeds the size budget.</summary>
internal sealed class RetentionService(ProfileStore store, IOptions<AgentOptions> options, TimeProvider timeProvider, ILogger<RetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, timeProvider);
        do
        {
            try
            {
                var (profiles, bytes) = await store.ApplyRetentionAsync(
                    timeProvider.GetUtcNow() - options.Value.RetentionMaxAge, options.Value.RetentionMaxBytes, stoppingToken);
                if (profiles > 0)
                {
                    logger.RetentionDeleted(profiles, bytes);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.RetentionFailed(ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
