using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;

namespace Pulso.Gateway.Dashboard;

/// <summary>
/// The supervisors' dashboard at <c>/</c>: the page and its bundle, built from <c>Dashboard/web</c> by the project
/// and copied to <c>wwwroot/</c> beside the binaries (the web root of a silo host).
/// </summary>
public static class DashboardExtensions
{
    // Scripts, styles and data come from this origin only; SignalR's WebSocket is this origin too.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UsePulsoDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = PrepareResponse });
        return app;
    }

    private static void PrepareResponse(StaticFileResponseContext context)
    {
        var response = context.Context.Response;
        if (context.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal))
        {
            // Bundled files carry a hash of their content in their names: a new build is a new name.
            response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return;
        }

        response.Headers.CacheControl = "no-cache";
        if (context.File.Name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
        {
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers["Referrer-Policy"] = "no-referrer";
        }
    }
}
