using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pulso.Gateway.Auth;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Isolation;

/// <summary>
/// Every route under /api/v1, read from the app's endpoints (so a route added later is covered as it is mapped), asked by
/// every role with every kind of credential, on the caller's own tenant, another tenant and an invalid tenant id. The
/// expected answer comes from the access the route declares and DESIGN 5's roles table, written out below.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class IsolationMatrixTests(GatewayFactory factory)
{
    private const string InvalidTenant = "NO_VALIDO";

    private static readonly string[] s_roles = ["viewer", "analyst", "admin", "operator"];

    /// <summary>DESIGN 5's roles table, kept here rather than taken from the gateway so that a wrong mapping fails.</summary>
    private static readonly Dictionary<Access, string[]> s_design = new()
    {
        [Access.Read] = ["viewer", "analyst", "admin", "operator"],
        [Access.Export] = ["analyst", "admin", "operator"],
        [Access.Ingest] = ["admin"],
        [Access.Write] = ["admin", "operator"],
        [Access.Directory] = ["operator"],
    };

    /// <summary>The row of DESIGN 5's table each route of version 1 belongs to.</summary>
    private static readonly Dictionary<string, RouteAccess> s_rows = new()
    {
        ["GET /api/v1/tenants/{tenant}/metrics"] = new(Access.Read, Access.Export),
        ["POST /api/v1/tenants/{tenant}/gestiones"] = new(Access.Ingest),
        ["POST /api/v1/tenants/{tenant}/jornadas"] = new(Access.Ingest),
        ["GET /api/v1/tenants/{tenant}/homologation"] = new(Access.Read),
        ["PUT /api/v1/tenants/{tenant}/homologation"] = new(Access.Write),
        ["GET /api/v1/tenants/{tenant}/rejects"] = new(Access.Export),
        ["GET /api/v1/tenants/{tenant}/apikeys"] = new(Access.Read),
        ["POST /api/v1/tenants/{tenant}/apikeys"] = new(Access.Write),
        ["DELETE /api/v1/tenants/{tenant}/apikeys/{id}"] = new(Access.Write),
        ["GET /api/v1/tenants/"] = new(Access.Directory),
        ["POST /api/v1/tenants/"] = new(Access.Directory),
        ["GET /api/v1/tenants/{tenant}"] = new(Access.Read),
        ["PUT /api/v1/tenants/{tenant}"] = new(Access.Write),
        ["DELETE /api/v1/tenants/{tenant}"] = new(Access.Directory),
    };

    /// <summary>Export variants of a route that declares an export level: by <c>format</c> and by <c>Accept</c>.</summary>
    private static readonly Variant[] s_exports =
    [
        new("format=csv", "format=csv", null),
        new("format=arrow", "format=arrow", null),
        new("Accept: text/csv", string.Empty, "text/csv"),
        new("Accept: arrow", string.Empty, "application/vnd.apache.arrow.stream"),
    ];

    private int _names;

    private enum Credential
    {
        Jwt,
        ApiKey,
        None,
    }

    private enum Target
    {
        Own,
        Other,
        Invalid,
    }

    private enum Outcome
    {
        Unauthorized,
        NotFound,
        Forbidden,
        Allowed,
    }

    [Fact]
    public void EveryVersionedRouteDeclaresItsRowOfTheRolesTable()
    {
        var failures = new List<string>();
        foreach (var route in ApiRoutes.Versioned(factory))
        {
            if (route.Access is null)
            {
                failures.Add($"{route.Key} declares no access (map it with RequireAccess)");
            }
            else if (s_rows.TryGetValue(route.Key, out var row) && row != route.Access)
            {
                failures.Add($"{route.Key} declares {route.Access}; DESIGN 5 says {row}");
            }
        }

        var mapped = ApiRoutes.Versioned(factory).Select(r => r.Key).ToHashSet();
        failures.AddRange(s_rows.Keys.Where(k => !mapped.Contains(k)).Select(k => $"{k} is in DESIGN 5 but not mapped"));
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task EveryRouteAnswersEveryCallerAsItsDeclaredAccessSays()
    {
        var victim = await SeedVictimAsync();
        var before = await FingerprintAsync(victim);
        Assert.Contains(victim.Marker, before, StringComparison.OrdinalIgnoreCase);

        var failures = new List<string>();
        var cases = 0;
        foreach (var route in ApiRoutes.Versioned(factory))
        {
            if (route.Access is null)
            {
                failures.Add($"{route.Key} declares no access");
                continue;
            }

            foreach (var variant in Variants(route))
            {
                foreach (var caller in Callers())
                {
                    foreach (var target in route.NamesTenant ? [Target.Own, Target.Other, Target.Invalid] : new[] { Target.Own })
                    {
                        cases++;
                        var name = $"{route.Key}{variant} as {caller} on {target.ToString().ToLowerInvariant()} tenant";
                        var failure = await CheckAsync(route, variant, caller, target, victim, before);
                        if (failure is not null)
                        {
                            failures.Add($"{name}: {failure}");
                        }
                    }
                }
            }
        }

        // 14 routes, 4 export variants of the snapshot, 7 callers, 3 targets for the 12 routes that name a tenant.
        Assert.True(cases >= 7 * (3 * 16 + 2), $"only {cases} cases were checked");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases failed:\n{string.Join('\n', failures)}");
        Assert.Equal(before, await FingerprintAsync(victim));
    }

    private static IEnumerable<Variant> Variants(ApiRoute route)
    {
        yield return new Variant(string.Empty, string.Empty, null);
        if (route.Access?.Export is not null)
        {
            foreach (var export in s_exports)
            {
                yield return export with { Export = true };
            }
        }
    }

    private static IEnumerable<Caller> Callers()
    {
        foreach (var role in s_roles)
        {
            yield return new Caller(role, Credential.Jwt);
        }

        // API keys carry role admin or viewer only (DESIGN 5, Auth).
        yield return new Caller("admin", Credential.ApiKey);
        yield return new Caller("viewer", Credential.ApiKey);
        yield return new Caller(string.Empty, Credential.None);
    }

    private async Task<string?> CheckAsync(ApiRoute route, Variant variant, Caller caller, Target target, Victim victim, string before)
    {
        var home = await factory.NewTenantAsync("mx");
        var isOperator = caller.Role == "operator";
        var routeTenant = target switch
        {
            Target.Own => home,
            Target.Invalid => InvalidTenant,
            _ => isOperator ? await factory.NewTenantAsync("mx-ajeno") : victim.Tenant,
        };

        var level = variant.Export ? route.Access!.Export!.Value : route.Access!.Level;
        var expected = caller.Credential == Credential.None ? Outcome.Unauthorized
            : route.NamesTenant && (target == Target.Invalid || (target == Target.Other && !isOperator)) ? Outcome.NotFound
            : s_design[level].Contains(caller.Role) ? Outcome.Allowed
            : Outcome.Forbidden;

        using var client = await ClientAsync(caller, home);
        var request = await RequestAsync(route, variant, routeTenant, victim);
        using var message = request.Build(routeTenant);
        using var response = await client.SendAsync(message);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes);
        var status = (int)response.StatusCode;
        var got = $"expected {expected}, got {status} {response.Content.Headers.ContentType?.MediaType}: {Snippet(text)}";

        var problem = status >= 400 ? Problem(response, text) : null;
        if (status >= 400 && problem is null)
        {
            return $"{got} (an error that is not problem+json)";
        }

        switch (expected)
        {
            case Outcome.Unauthorized when status != 401:
            case Outcome.Forbidden when status != 403 || !problem!.Value.Detail.Contains($"role '{caller.Role}'", StringComparison.Ordinal):
            case Outcome.NotFound when status != 404:
            case Outcome.Allowed when request.Known ? status is < 200 or > 299 : status is 401 or 403 || (status == 404 && problem!.Value.Detail.Contains("no tenant", StringComparison.Ordinal)):
                return got;
        }

        if (!isOperator && (text.Contains(victim.Marker, StringComparison.OrdinalIgnoreCase) || text.Contains(Victim.Saldo, StringComparison.Ordinal)))
        {
            return $"the answer holds the other tenant's data: {Snippet(text)}";
        }

        if (target == Target.Other && !isOperator)
        {
            // No hint that the tenant exists: the answer is the one for a tenant that was never created.
            var nobody = $"nadie-{Interlocked.Increment(ref _names)}";
            using var unknownMessage = request.Build(nobody);
            using var unknown = await client.SendAsync(unknownMessage);
            var unknownText = await unknown.Content.ReadAsStringAsync();
            var unknownProblem = (int)unknown.StatusCode >= 400 ? Problem(unknown, unknownText) : null;
            if (unknown.StatusCode != response.StatusCode
                || unknownProblem?.Detail.Replace(nobody, routeTenant, StringComparison.Ordinal) != problem?.Detail
                || unknownProblem?.Title != problem?.Title)
            {
                return $"the answer differs from a tenant that does not exist: {status} {Snippet(text)} vs {(int)unknown.StatusCode} {Snippet(unknownText)}";
            }

            var after = await FingerprintAsync(victim);
            if (after != before)
            {
                return $"the other tenant changed:\n{TenantPrint.Diff(before, after)}";
            }
        }

        return null;
    }

    private async Task<HttpClient> ClientAsync(Caller caller, string home)
    {
        switch (caller.Credential)
        {
            case Credential.Jwt:
                return factory.Client(home, caller.Role);
            case Credential.ApiKey:
                var machine = factory.Anonymous();
                machine.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.Header, (await CreateKeyAsync(home, "matriz-credencial", caller.Role)).Key);
                return machine;
            default:
                return factory.Anonymous();
        }
    }

    /// <summary>The route's request with a plausible body, so that the 2xx path is taken when the caller may; unknown routes get the bare route.</summary>
    private async Task<Sample> RequestAsync(ApiRoute route, Variant variant, string routeTenant, Victim victim)
    {
        var values = new Dictionary<string, string>();
        foreach (var name in route.Parameters.Where(p => p != "tenant"))
        {
            values[name] = name == "id" && route.Template.EndsWith("/apikeys/{id}", StringComparison.Ordinal)
                ? routeTenant == victim.Tenant ? victim.KeyId : routeTenant == InvalidTenant ? "000000000000" : (await CreateKeyAsync(routeTenant, "revocable", "viewer")).Id
                : "x";
        }

        (string Query, Func<string, HttpContent?> Body)? known = route.Key switch
        {
            "GET /api/v1/tenants/{tenant}/metrics" => ("from=2025-03-01&to=2025-03-02&groupBy=ejecutivo,tipificacion", _ => null),
            "POST /api/v1/tenants/{tenant}/gestiones" => (string.Empty, t => Http.Body(Rows.Csv([Rows.Gestion(t, "2025-03-01 08:00:00", "1", "EJ01", "CONTACTO DIRECTO", "10.50", "5")]), "text/csv")),
            "POST /api/v1/tenants/{tenant}/jornadas" => (string.Empty, t => Http.Body($"cliente,ejecutivo,fecha,horas_trabajadas\n{t},EJ01,2025-03-01,8\n", "text/csv")),
            "GET /api/v1/tenants/{tenant}/homologation" => ("days=7", _ => null),
            "PUT /api/v1/tenants/{tenant}/homologation" => (string.Empty, _ => Http.Body("tipificacion,categoria,es_contacto,es_compromiso\nCONTACTO DIRECTO,CONTACTO_DIRECTO,true,false\n", "text/csv")),
            "GET /api/v1/tenants/{tenant}/rejects" => ("limit=50", _ => null),
            "GET /api/v1/tenants/{tenant}/apikeys" => (string.Empty, _ => null),
            "POST /api/v1/tenants/{tenant}/apikeys" => (string.Empty, _ => JsonContent.Create(new { name = "matriz", role = "viewer" })),
            "DELETE /api/v1/tenants/{tenant}/apikeys/{id}" => (string.Empty, _ => null),
            "GET /api/v1/tenants/" => (string.Empty, _ => null),
            "POST /api/v1/tenants/" => (string.Empty, _ => JsonContent.Create(new { tenant = $"mx-nuevo-{Interlocked.Increment(ref _names)}" })),
            "GET /api/v1/tenants/{tenant}" => (string.Empty, _ => null),
            "PUT /api/v1/tenants/{tenant}" => (string.Empty, _ => JsonContent.Create(new { displayName = "Matriz", timeZone = "America/Lima", retentionDays = 90, metrics = Array.Empty<object>() })),
            "DELETE /api/v1/tenants/{tenant}" => (string.Empty, _ => null),
            _ => null,
        };

        var query = string.Join('&', new[] { known?.Query ?? string.Empty, variant.Query }.Where(q => q.Length > 0));
        Func<string, HttpContent?> body = known?.Body ?? (_ => route.Method is "POST" or "PUT" ? Http.Body("{}", "application/json") : null);
        return new Sample(known is not null, t =>
        {
            var parameters = new Dictionary<string, string>(values) { ["tenant"] = t };
            var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(parameters) + (query.Length > 0 ? "?" + query : string.Empty)) { Content = body(t) };
            if (variant.Accept is not null)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(variant.Accept));
            }

            return request;
        });
    }

    private async Task<(string Id, string Key)> CreateKeyAsync(string tenant, string name, string role)
    {
        using var admin = factory.Client(tenant);
        using var response = await admin.PostAsJsonAsync($"/api/v1/tenants/{tenant}/apikeys", new { name, role });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"creating a key for {tenant}: {(int)response.StatusCode} {text}");
        using var json = JsonDocument.Parse(text);
        return (json.RootElement.GetProperty("id").GetString()!, json.RootElement.GetProperty("key").GetString()!);
    }

    /// <summary>The other tenant, seeded with values no other tenant has: an ejecutivo, a tipificación, a category, a metric, a key name.</summary>
    private async Task<Victim> SeedVictimAsync()
    {
        var tenant = await factory.NewTenantAsync("victima");
        var marker = "QZX7";
        using var admin = factory.Client(tenant);
        await OkAsync(await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}", new
        {
            displayName = $"Banco {marker} Oculto",
            timeZone = "America/Lima",
            retentionDays = 365,
            metrics = new[] { new { name = $"llamadas_{marker.ToLowerInvariant()}", kind = "count", where = new { canal = new[] { "LLAMADA" } } } },
        }));
        var rows = new List<string[]>
        {
            Rows.Gestion(tenant, "2025-03-01 09:00:00", $"DOC-{marker}-1", $"EJ-{marker}-SECRETO", $"TIPI {marker} OCULTA", Victim.Saldo, "12"),
            Rows.Gestion(tenant, "2025-03-02 10:00:00", $"DOC-{marker}-2", $"EJ-{marker}-SECRETO", $"{marker} REGLA", "1.00", "40", "SMS"),
            Rows.Gestion(tenant, "2025-02-30 10:00:00", $"DOC-{marker}-RECHAZO", $"EJ-{marker}-SECRETO", "X", "1", "1"),
        };
        await OkAsync(await Http.Push(admin, tenant, Http.Body(Rows.Csv(rows), "text/csv")));
        await OkAsync(await Http.Push(admin, tenant, Http.Body($"cliente,ejecutivo,fecha,horas_trabajadas\n{tenant},EJ-{marker}-SECRETO,2025-03-01,7.75\n", "text/csv"), "jornadas"));
        await OkAsync(await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body(
            $"tipificacion,categoria,es_contacto,es_compromiso\n{marker} REGLA,{marker}_CATEGORIA,true,true\n", "text/csv")));
        var (id, key) = await CreateKeyAsync(tenant, $"llave-{marker.ToLowerInvariant()}", "admin");
        return new Victim(tenant, marker, id, key);
    }

    /// <summary>Everything of the other tenant a request could change, and whether its key still works.</summary>
    private async Task<string> FingerprintAsync(Victim victim)
    {
        var print = await TenantPrint.OfAsync(factory, victim.Tenant, $"llamadas_{victim.Marker.ToLowerInvariant()}");
        using var machine = factory.Anonymous();
        machine.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.Header, victim.Key);
        using var response = await machine.GetAsync($"/api/v1/tenants/{victim.Tenant}/apikeys");
        return print + $"its key: {(int)response.StatusCode}";
    }

    private static (string Title, string Detail)? Problem(HttpResponseMessage response, string text)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            return (json.RootElement.TryGetProperty("title", out var title) ? title.GetString() ?? string.Empty : string.Empty,
                json.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? string.Empty : string.Empty);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task OkAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"seeding: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static string Snippet(string text)
    {
        var printable = new string([.. text.Take(300).Select(c => char.IsControl(c) || c == '\uFFFD' ? '·' : c)]);
        return text.Length <= 300 ? printable : printable + "…";
    }

    private sealed record Variant(string Name, string Query, string? Accept, bool Export = false)
    {
        public override string ToString() => Name.Length == 0 ? string.Empty : $" ({Name})";
    }

    private sealed record Caller(string Role, Credential Credential)
    {
        public override string ToString() => Credential == Credential.None ? "no credentials" : $"{Role} by {(Credential == Credential.Jwt ? "JWT" : "API key")}";
    }

    /// <summary>A request for a given route tenant; <see cref="Known"/> when the test knows the route's plausible body.</summary>
    private sealed record Sample(bool Known, Func<string, HttpRequestMessage> Build);

    private sealed record Victim(string Tenant, string Marker, string KeyId, string Key)
    {
        public const string Saldo = "987654.32";
    }
}
