using System.Net;
using Microsoft.Extensions.Options;
using Pulso.Gateway.Auth;
using Pulso.Silo.Hosting;

namespace Pulso.Silo.Demo;

/// <summary>
/// <c>GET /dev/token</c>: how the dashboard page of the embedded default signs in by itself. The route exists only
/// when the demo is on and the signing key was generated at start-up (neither a key nor an authority configured,
/// which a cluster with durable storage refuses anyway), and it answers only callers on this machine: a short-lived
/// admin token of the <c>demo</c> tenant, the same grant as the <c>PULSO_DEV_TOKEN</c> line the silo prints.
/// Anywhere else the route is not mapped and answers 404.
/// </summary>
internal static class DevSignIn
{
    public const string Route = "/dev/token";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public static bool IsAvailable(PulsoDemoOptions demo, JwtOptions jwt, SigningKeyProvider keys) =>
        demo.Enabled && keys.IsGenerated && jwt.Authority is null;

    public static WebApplication MapDevSignIn(this WebApplication app)
    {
        var demo = app.Services.GetRequiredService<IOptions<PulsoDemoOptions>>().Value;
        var jwt = app.Services.GetRequiredService<IOptions<JwtOptions>>().Value;
        var keys = app.Services.GetRequiredService<SigningKeyProvider>();
        if (!IsAvailable(demo, jwt, keys))
        {
            return app;
        }

        app.MapGet(Route, (HttpContext context) =>
        {
            if (!FromThisMachine(context.Connection.RemoteIpAddress))
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = "no-store";
            var expires = DateTimeOffset.UtcNow.Add(Lifetime);
            var token = AuthExtensions.IssueToken(keys, jwt, DemoExtensions.Tenant, TenantAccess.Admin, Lifetime);
            return Results.Json(new { token, tenant = DemoExtensions.Tenant, role = TenantAccess.Admin, expiresAt = expires });
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>A loopback peer, or none at all (an in-process test server, a Unix socket).</summary>
    internal static bool FromThisMachine(IPAddress? peer) =>
        peer is null || IPAddress.IsLoopback(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer);
}
