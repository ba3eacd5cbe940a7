using Microsoft.AspNetCore.Http;

namespace Pulso.Gateway.Auth;

/// <summary>
/// The one place a route turns its <c>{tenant}</c> into a tenant the caller may act on, with DESIGN 5's answers:
/// another tenant (or an invalid id) is 404 with no hint that it exists; the wrong role is 403. Operators reach
/// any tenant with any permission an admin has.
/// </summary>
public static class TenantAccess
{
    public const string Viewer = "viewer";
    public const string Analyst = "analyst";
    public const string Admin = "admin";
    public const string Operator = "operator";

    /// <summary>Every role that may read a tenant's settings, homologation, sources, alerts and API keys.</summary>
    public static readonly string[] Readers = [Viewer, Analyst, Admin, Operator];

    /// <summary>Roles that may change a tenant's settings, homologation, sources, alerts and API keys.</summary>
    public static readonly string[] Writers = [Admin, Operator];

    /// <summary>The tenant to act on, or the problem to answer with.</summary>
    public static bool TryResolve(HttpContext context, string routeTenant, IReadOnlyCollection<string> roles, out string tenant, out IResult problem)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(roles);
        tenant = string.Empty;
        var authorized = context.User.AuthorizedTenant(routeTenant);
        if (authorized is null)
        {
            problem = NotFound(routeTenant);
            return false;
        }

        var role = context.Role();
        if (role is null || !roles.Contains(role))
        {
            problem = Results.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"role '{role}' may not do this on tenant '{authorized}'");
            return false;
        }

        tenant = authorized;
        problem = Results.Empty;
        return true;
    }

    public static IResult NotFound(string tenant) => Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"no tenant '{tenant}'");

    public static IResult Invalid(string detail) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: detail);
}
