using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Pulso.Gateway.Auth;

/// <summary>
/// The one place a route turns its <c>{tenant}</c> into a tenant the caller may act on, with DESIGN 5's answers:
/// another tenant (or an invalid id) is 404 with no hint that it exists; the wrong role is 403. Operators reach
/// any tenant. The roles allowed come from the route's <see cref="RouteAccess"/>, never from the handler.
/// </summary>
public static class TenantAccess
{
    public const string Viewer = "viewer";
    public const string Analyst = "analyst";
    public const string Admin = "admin";
    public const string Operator = "operator";

    /// <summary>
    /// The tenant to act on, or the problem to answer with, at the route's declared level (its export level when
    /// <paramref name="export"/>, for an answer as CSV or Arrow).
    /// </summary>
    public static bool TryResolve(HttpContext context, string routeTenant, out string tenant, out ProblemHttpResult problem, bool export = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        tenant = string.Empty;
        var level = Declared(context, export);
        var authorized = context.User.AuthorizedTenant(routeTenant);
        if (authorized is null)
        {
            problem = TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"no tenant '{routeTenant}'");
            return false;
        }

        if (!Allows(context, level, $" on tenant '{authorized}'", out problem))
        {
            return false;
        }

        tenant = authorized;
        return true;
    }

    /// <summary>The check of a route that names no tenant (the tenant directory): the caller's role only.</summary>
    public static bool TryAuthorize(HttpContext context, out ProblemHttpResult problem)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Allows(context, Declared(context, export: false), string.Empty, out problem);
    }

    public static IResult NotFound(string tenant) => Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"no tenant '{tenant}'");

    public static IResult Invalid(string detail) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: detail);

    private static bool Allows(HttpContext context, Access level, string where, out ProblemHttpResult problem)
    {
        var role = context.Role();
        var roles = RouteAccess.Roles(level);
        if (role is null || !roles.Contains(role))
        {
            problem = TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                detail: $"role '{role}' may not do this{where}: {level} access is for {string.Join(", ", roles)}");
            return false;
        }

        problem = null!;
        return true;
    }

    // A route without a declaration is a mapping mistake: fail closed (500), and the isolation tests name it.
    private static Access Declared(HttpContext context, bool export)
    {
        var endpoint = context.GetEndpoint();
        var access = endpoint?.Metadata.GetMetadata<RouteAccess>()
            ?? throw new InvalidOperationException($"endpoint '{endpoint?.DisplayName}' declares no access; map it with RequireAccess");
        return export
            ? access.Export ?? throw new InvalidOperationException($"endpoint '{endpoint.DisplayName}' declares no export access")
            : access.Level;
    }
}
