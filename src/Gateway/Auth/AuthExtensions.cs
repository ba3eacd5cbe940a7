using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Auth;

/// <summary>The signing key in use: the configured one, or one made at start-up for a development silo.</summary>
public sealed class SigningKeyProvider
{
    public SigningKeyProvider(IOptions<JwtOptions> options)
    {
        var configured = options.Value.SigningKey;
        IsGenerated = string.IsNullOrEmpty(configured);
        Key = new SymmetricSecurityKey(IsGenerated ? RandomNumberGenerator.GetBytes(48) : Encoding.UTF8.GetBytes(configured!));
    }

    public SymmetricSecurityKey Key { get; }

    /// <summary>The keys a token may be signed with at <paramref name="now"/>: the current one and the previous ones still accepted.</summary>
    public IEnumerable<SecurityKey> ValidationKeys(JwtOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        yield return Key;
        foreach (var previous in options.PreviousKeys)
        {
            if (previous.AcceptUntil > now)
            {
                yield return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(previous.Key));
            }
        }
    }

    /// <summary>True when no key was configured and this one lives only as long as the process.</summary>
    public bool IsGenerated { get; }
}

public static class AuthExtensions
{
    public const string PulsoScheme = "Pulso";
    public const string TenantClaim = "tenant";
    public const string RoleClaim = "role";

    public static IHostApplicationBuilder AddPulsoAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .Validate(o => o.SigningKey is null || Encoding.UTF8.GetByteCount(o.SigningKey) >= 32, $"{JwtOptions.Section}:SigningKey must be at least 32 bytes of UTF-8")
            .Validate(o => o.PreviousKeys.All(k => Encoding.UTF8.GetByteCount(k.Key) >= 32), $"{JwtOptions.Section}:PreviousKeys:n:Key must be at least 32 bytes of UTF-8")
            .Validate(o => o.PreviousKeys.All(k => k.AcceptUntil != default), $"{JwtOptions.Section}:PreviousKeys:n:AcceptUntil is required (an ISO 8601 instant)")
            .ValidateOnStart();
        builder.Services.AddSingleton<SigningKeyProvider>();
        // People send bearer tokens, machines X-Api-Key: one policy scheme picks the handler per request.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddAuthentication(PulsoScheme)
            .AddPolicyScheme(PulsoScheme, "JWT or API key", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.Header) ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, SigningKeyProvider, TimeProvider>((bearer, jwt, keys, time) =>
            {
                var o = jwt.Value;
                bearer.MapInboundClaims = false;
                bearer.RequireHttpsMetadata = o.RequireHttpsMetadata;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = o.Issuer,
                    ValidAudience = o.Audience,
                    NameClaimType = "sub",
                    RoleClaimType = RoleClaim,
                };
                if (o.Authority is not null)
                {
                    bearer.Authority = o.Authority;
                }
                else
                {
                    // Resolved per token, so a previous key stops validating at its AcceptUntil without a restart.
                    bearer.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) => keys.ValidationKeys(o, time.GetUtcNow());
                }

                // Validated tokens are remembered briefly (CachingTokenHandler), never past a previous key's AcceptUntil.
                var handlers = bearer.TokenHandlers.ToList();
                bearer.TokenHandlers.Clear();
                foreach (var handler in handlers)
                {
                    bearer.TokenHandlers.Add(new CachingTokenHandler(handler, time, now => o.Authority is not null ? null : NextKeyChange(o, now)));
                }

                // SignalR sends the token in the query string; it is read here and never logged.
                bearer.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal))
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>The next instant after <paramref name="now"/> at which a previous key stops being accepted; null when none will.</summary>
    private static DateTimeOffset? NextKeyChange(JwtOptions options, DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var previous in options.PreviousKeys)
        {
            if (previous.AcceptUntil > now && (next is null || previous.AcceptUntil < next))
            {
                next = previous.AcceptUntil;
            }
        }

        return next;
    }

    /// <summary>Issues a token with the given tenant and role, signed with the key in use.</summary>
    public static string IssueToken(SigningKeyProvider keys, JwtOptions options, string tenant, string role, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        var handler = new JsonWebTokenHandler();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Expires = DateTime.UtcNow.Add(lifetime),
            Claims = new Dictionary<string, object> { ["sub"] = $"{role}@{tenant}", [TenantClaim] = tenant, [RoleClaim] = role },
            SigningCredentials = new SigningCredentials(keys.Key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>
    /// The tenant a caller may act on for <paramref name="routeTenant"/>: the route's tenant when the caller's
    /// claims name it (or the caller is an operator); null otherwise, which callers answer with 404.
    /// </summary>
    public static string? AuthorizedTenant(this ClaimsPrincipal user, string routeTenant)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!GrainKeys.IsTenantId(routeTenant))
        {
            return null;
        }

        if (user.FindFirst(RoleClaim)?.Value == "operator")
        {
            return routeTenant;
        }

        return string.Equals(user.FindFirst(TenantClaim)?.Value, routeTenant, StringComparison.Ordinal) ? routeTenant : null;
    }

    public static string? Role(this HttpContext context) => context.User.FindFirst(RoleClaim)?.Value;
}
