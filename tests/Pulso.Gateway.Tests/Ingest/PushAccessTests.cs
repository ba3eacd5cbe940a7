using System.Net;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Ingest;

/// <summary>DESIGN 5 roles on push ingest: admin only; another tenant is 404; no credentials 401.</summary>
[Collection(GatewayCollection.Name)]
public sealed class PushAccessTests(GatewayFactory factory)
{
    [Theory]
    [InlineData("viewer")]
    [InlineData("analyst")]
    [InlineData("operator")]
    public async Task RolesOtherThanAdminGet403(string role)
    {
        var tenant = await factory.NewTenantAsync("roles");
        using var client = factory.Client(tenant, role);
        var body = Rows.Csv([Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ01", "X", "1", "1")]);

        foreach (var route in new[] { "gestiones", "jornadas" })
        {
            var response = await Http.Push(client, tenant, Http.Body(body, "text/csv"), route);
            await Http.Problem(response, HttpStatusCode.Forbidden, $"role '{role}'");
        }

        using var admin = factory.Client(tenant);
        Assert.Equal(0, await Http.Total(admin, tenant));
    }

    [Fact]
    public async Task OtherTenantsRouteGets404()
    {
        var mine = await factory.NewTenantAsync("mine");
        var theirs = await factory.NewTenantAsync("theirs");
        using var client = factory.Client(mine);
        var body = Rows.Csv([Rows.Gestion(theirs, "2025-03-01 08:00:00", "1", "EJ01", "X", "1", "1")]);

        var response = await Http.Push(client, theirs, Http.Body(body, "text/csv"));

        await Http.Problem(response, HttpStatusCode.NotFound, $"no tenant '{theirs}'");
        using var owner = factory.Client(theirs);
        Assert.Equal(0, await Http.Total(owner, theirs));
    }

    [Fact]
    public async Task TenantThatDoesNotExistGets404()
    {
        using var client = factory.Client("nobody-here");

        var response = await Http.Push(client, "nobody-here", Http.Body("[]", "application/json"));

        await Http.Problem(response, HttpStatusCode.NotFound, "no tenant 'nobody-here'");
    }

    [Fact]
    public async Task NoCredentialsGet401()
    {
        var tenant = await factory.NewTenantAsync("anon");
        using var client = factory.Anonymous();

        var response = await Http.Push(client, tenant, Http.Body("[]", "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
