using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Grains.Observability;

/// <summary>
/// Inside a call to a tenant's grain (every key starts with the tenant id), what the grain logs carries a
/// <c>Tenant</c> scope and the call's span a <c>pulso.tenant</c> tag. Orleans' own grains and keys that name no
/// tenant are left alone.
/// </summary>
public sealed class TenantScopeFilter(ILoggerFactory loggers) : IIncomingGrainCallFilter
{
    private readonly ILogger _logger = loggers.CreateLogger("Pulso.Grains");

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (TenantOf(context) is not { } tenant)
        {
            await context.Invoke();
            return;
        }

        Activity.Current?.SetTag(PulsoTracing.TenantTag, tenant);
        using (_logger.BeginScope(new TenantScope(tenant)))
        {
            await context.Invoke();
        }
    }

    private static string? TenantOf(IIncomingGrainCallContext context)
    {
        if (context.Grain?.GetType().Namespace?.StartsWith("Pulso.", StringComparison.Ordinal) != true)
        {
            return null;
        }

        var key = context.TargetId.Key.ToString();
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var tenant = slash < 0 ? key : key[..slash];
        return GrainKeys.IsTenantId(tenant) ? tenant : null;
    }
}
