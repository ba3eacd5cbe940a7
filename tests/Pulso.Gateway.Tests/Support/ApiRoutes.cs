using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Pulso.Gateway.Auth;

namespace Pulso.Gateway.Tests.Support;

/// <summary>One method of one route of the running app, with the access it declares (null when it declares none).</summary>
internal sealed record ApiRoute(string Method, RoutePattern Pattern, RouteAccess? Access)
{
    public string Template => Pattern.RawText ?? string.Empty;

    /// <summary><c>METHOD /template</c>, the way DESIGN 5 writes routes.</summary>
    public string Key => $"{Method} {Template}";

    public bool NamesTenant => Pattern.GetParameter("tenant") is not null;

    public IEnumerable<string> Parameters => Pattern.Parameters.Select(p => p.Name);

    /// <summary>The path with each parameter replaced by its (escaped) value.</summary>
    public string Path(IReadOnlyDictionary<string, string> values)
    {
        var path = new System.Text.StringBuilder();
        foreach (var segment in Pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter => Uri.EscapeDataString(values[parameter.Name]),
                    _ => throw new InvalidOperationException($"unexpected route part {part}"),
                });
            }
        }

        return path.ToString();
    }

    public override string ToString() => Key;
}

internal static class ApiRoutes
{
    /// <summary>Every method of every route under <c>/api/v1</c>, read from the app's own endpoint data source.</summary>
    public static IReadOnlyList<ApiRoute> Versioned(GatewayFactory factory)
    {
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        var routes = endpoints
            .OfType<RouteEndpoint>()
            .Where(e => (e.RoutePattern.RawText ?? string.Empty).StartsWith("/api/v1/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => new ApiRoute(m, e.RoutePattern, e.Metadata.GetMetadata<RouteAccess>())))
            .OrderBy(r => r.Template, StringComparer.Ordinal)
            .ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();
        Assert.True(routes.Count > 0, "no route under /api/v1 in the app's endpoint data source");
        return routes;
    }
}
