using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pulso.Gateway.Auth;

namespace Pulso.Gateway.Limits;

/// <summary>
/// Per-tenant request rate on <c>/api/v1</c>. The bucket is the caller's (its token's or API key's tenant; an
/// operator its own subject; no credentials the client address), never the route's: a tenant hammering another
/// tenant's routes spends its own budget, not the victim's. Over the limit: 429 problem+json with <c>Retry-After</c>.
/// </summary>
public static class RateLimiting
{
    public const string TenantPolicy = "tenant";

    public static IHostApplicationBuilder AddPulsoLimits(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.PermitsPerSecond > 0 && o.Burst > 0, $"{RateLimitOptions.Section}:PermitsPerSecond and Burst must be positive")
            .ValidateOnStart();
        builder.Services.AddOptions<QueryLimitOptions>().BindConfiguration(QueryLimitOptions.Section)
            .Validate(o => o.MaxRangeDays is > 0 and <= 3660 && o.MaxGroups > 0, $"{QueryLimitOptions.Section}:MaxRangeDays must be 1..3660 and MaxGroups positive")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(TenantPolicy, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                if (!options.Enabled)
                {
                    return RateLimitPartition.GetNoLimiter(string.Empty);
                }

                return RateLimitPartition.GetTokenBucketLimiter(Caller(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Results.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    detail: $"the rate limit of {options.PermitsPerSecond} requests per second (burst {options.Burst}) of {Describe(http)} is reached "
                        + $"({RateLimitOptions.Section}:PermitsPerSecond); retry after {retryAfter} s").ExecuteAsync(http);
            };
        });
        return builder;
    }

    /// <summary>The bucket a request draws from.</summary>
    internal static string Caller(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            return context.Role() == TenantAccess.Operator
                ? $"operator:{user.FindFirst("sub")?.Value}"
                : $"tenant:{user.FindFirst(AuthExtensions.TenantClaim)?.Value}";
        }

        return $"anonymous:{context.Connection.RemoteIpAddress}";
    }

    private static string Describe(HttpContext context) => Caller(context) switch
    {
        var c when c.StartsWith("tenant:", StringComparison.Ordinal) => $"tenant '{c["tenant:".Length..]}'",
        var c when c.StartsWith("operator:", StringComparison.Ordinal) => "this operator",
        _ => "this client",
    };
}
