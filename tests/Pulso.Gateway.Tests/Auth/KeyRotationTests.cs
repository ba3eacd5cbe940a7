using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Auth;

/// <summary>A rotated signing key keeps validating until its AcceptUntil, and not after (issue 4).</summary>
[Collection(GatewayCollection.Name)]
public sealed class KeyRotationTests(GatewayFactory factory)
{
    [Fact]
    public async Task TokensOfAPreviousKeyAreAcceptedUntilTheirTimeAndThenRefused()
    {
        var tenant = await factory.NewTenantAsync("rotation");

        Assert.Equal(HttpStatusCode.OK, await Status(tenant, Token(tenant, GatewayFactory.PreviousKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(tenant, Token(tenant, GatewayFactory.ExpiredKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(tenant, Token(tenant, "a-key-that-was-never-configured-anywhere-at-all")));
        Assert.Equal(HttpStatusCode.OK, await Status(tenant, factory.Token(tenant, "viewer")));
    }

    private async Task<HttpStatusCode> Status(string tenant, string token)
    {
        using var client = factory.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.GetAsync($"/api/v1/tenants/{tenant}")).StatusCode;
    }

    private static string Token(string tenant, string key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "pulso",
        Audience = "pulso",
        Expires = DateTime.UtcNow.AddMinutes(10),
        Claims = new Dictionary<string, object> { ["sub"] = $"viewer@{tenant}", ["tenant"] = tenant, ["role"] = "viewer" },
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });
}
