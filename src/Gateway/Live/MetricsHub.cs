using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Live;

/// <summary>
/// <c>/hubs/metrics</c> (DESIGN 5): a thin hub over <see cref="LiveFeed"/>. <c>Subscribe(query)</c> answers a
/// subscription id, then the server sends <c>snapshot</c> and coalesced <c>update</c> messages for it;
/// <c>Unsubscribe(id)</c>. Every role may subscribe; the tenant is the caller's, an operator names one.
/// </summary>
[Authorize]
public sealed class MetricsHub(LiveFeed feed) : Hub
{
    public async Task<string> Subscribe(JsonElement query)
    {
        if (query.ValueKind != JsonValueKind.Object)
        {
            throw new HubException("the query must be an object { from, to, groupBy, metrics, filter }");
        }

        var tenant = Tenant(query);
        var contract = Parse(query);
        try
        {
            return await feed.SubscribeAsync(Context.ConnectionId, tenant, contract);
        }
        catch (ArgumentException e)
        {
            throw new HubException(e.Message);
        }
        catch (KeyNotFoundException)
        {
            throw new HubException($"no tenant '{tenant}'");
        }
    }

    public Task<bool> Unsubscribe(string subscriptionId) => Task.FromResult(feed.Unsubscribe(Context.ConnectionId, subscriptionId ?? string.Empty));

    public override Task OnConnectedAsync()
    {
        LiveFeed.Connected();
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        feed.Drop(Context.ConnectionId);
        LiveFeed.Disconnected();
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>The caller's tenant; an operator's the one the query names. Another tenant is not found, as on REST.</summary>
    private string Tenant(JsonElement query)
    {
        var user = Context.User ?? throw new HubException("not signed in");
        var named = query.TryGetProperty("tenant", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var own = user.FindFirst(AuthExtensions.TenantClaim)?.Value;
        var requested = named ?? own;
        if (requested is null)
        {
            throw new HubException("tenant is required for an operator");
        }

        return user.AuthorizedTenant(requested) ?? throw new HubException($"no tenant '{requested}'");
    }

    private static MetricQueryContract Parse(JsonElement query)
    {
        var from = Date(query, "from");
        var to = Date(query, "to");
        if (from > to)
        {
            throw new HubException($"from ({from:yyyy-MM-dd}) is after to ({to:yyyy-MM-dd})");
        }

        var filters = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (query.TryGetProperty("filter", out var filter) && filter.ValueKind != JsonValueKind.Null)
        {
            if (filter.ValueKind != JsonValueKind.Object)
            {
                throw new HubException("filter must be an object of dimension -> array of values");
            }

            foreach (var property in filter.EnumerateObject())
            {
                if (filters.ContainsKey(property.Name))
                {
                    throw new HubException($"filter names dimension '{property.Name}' twice");
                }

                filters[property.Name] = Names(property.Value, $"filter.{property.Name}");
            }
        }

        return new MetricQueryContract(from, to, List(query, "groupBy"), List(query, "metrics"), filters);
    }

    private static DateOnly Date(JsonElement query, string name)
    {
        if (!query.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw new HubException($"{name} is required (YYYY-MM-DD)");
        }

        return DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new HubException($"{name} '{value.GetString()}' is not a date YYYY-MM-DD");
    }

    private static string[] List(JsonElement query, string name) =>
        query.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? Names(value, name) : [];

    private static string[] Names(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            throw new HubException($"{name} must be an array of strings");
        }

        return [.. value.EnumerateArray().Select(v => v.GetString()!)];
    }
}
