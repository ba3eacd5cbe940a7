using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tenancy;

namespace Pulso.Gateway.Auth;

/// <summary>
/// Machines authenticate with <c>X-Api-Key: pk.{tenant}.{id}.{secret}</c>; the tenant's key grain checks the
/// secret's hash. Answers are cached for a few seconds so a busy pusher does not hit the grain per request;
/// a revoked key stops working within that time.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IClusterClient cluster,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";
    private static readonly TimeSpan s_cacheFor = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<string, (string? Role, DateTimeOffset Until)> s_cache = new(StringComparer.Ordinal);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values))
        {
            return AuthenticateResult.NoResult();
        }

        var parts = values.ToString().Split('.');
        if (parts.Length != 4 || parts[0] != "pk" || !GrainKeys.IsTenantId(parts[1]) || parts[2].Length != 12)
        {
            return AuthenticateResult.Fail("malformed API key");
        }

        var (tenant, id, secret) = (parts[1], parts[2], parts[3]);
        var hash = ApiKeyGrain.Hash(secret);
        var cacheKey = $"{tenant}.{id}.{hash}";
        var now = time.GetUtcNow();
        if (!s_cache.TryGetValue(cacheKey, out var cached) || cached.Until < now)
        {
            cached = (await cluster.GetGrain<IApiKeyGrain>(GrainKeys.Tenant(tenant)).Validate(id, hash), now + s_cacheFor);
            s_cache[cacheKey] = cached;
        }

        if (cached.Role is null)
        {
            return AuthenticateResult.Fail("unknown or revoked API key");
        }

        var identity = new ClaimsIdentity(
            [new Claim("sub", $"apikey:{id}"), new Claim(AuthExtensions.TenantClaim, tenant), new Claim(AuthExtensions.RoleClaim, cached.Role)],
            SchemeName,
            "sub",
            AuthExtensions.RoleClaim);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
