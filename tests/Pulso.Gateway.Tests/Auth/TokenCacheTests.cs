using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Pulso.Gateway.Auth;

namespace Pulso.Gateway.Tests.Auth;

/// <summary>Validated bearer tokens are remembered briefly, and never past what validation itself would accept.</summary>
public sealed class TokenCacheTests
{
    private const string Key = "token-cache-tests-signing-key-of-at-least-32-bytes";
    // The inner handler checks lifetimes against the real clock; the cache's own clock starts from it and is moved by hand.
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    [Fact]
    public async Task AValidTokenIsCheckedOnceWithinItsTimeAndEachCallerGetsItsOwnIdentity()
    {
        var (cache, inner, clock) = Cache();
        var token = Token(s_start.AddHours(1));

        var first = await cache.ValidateTokenAsync(token, Parameters());
        first.ClaimsIdentity.AddClaim(new Claim("added", "by one request"));
        var second = await cache.ValidateTokenAsync(token, Parameters());
        clock.Now += CachingTokenHandler.MaxAge;
        var third = await cache.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid && second.IsValid && third.IsValid);
        Assert.Equal(2, inner.Calls);
        Assert.Equal("acme", second.ClaimsIdentity.FindFirst("tenant")?.Value);
        Assert.Null(second.ClaimsIdentity.FindFirst("added"));
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.NotNull(second.SecurityToken);
    }

    [Fact]
    public async Task ATokenIsNotAcceptedFromMemoryPastItsExpiry()
    {
        var (cache, inner, clock) = Cache();
        var token = Token(s_start.AddSeconds(10));

        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
        clock.Now = s_start.AddSeconds(10);
        await cache.ValidateTokenAsync(token, Parameters());

        // From its expiry on, the token is not answered from memory: validation decides again.
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task ATokenIsNotAcceptedFromMemoryPastTheNextKeyChange()
    {
        var change = s_start.AddSeconds(5);
        var (cache, inner, clock) = Cache(now => now < change ? change : null);
        var token = Token(s_start.AddHours(1));

        await cache.ValidateTokenAsync(token, Parameters());
        await cache.ValidateTokenAsync(token, Parameters());
        clock.Now = change;
        await cache.ValidateTokenAsync(token, Parameters());

        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task RefusedTokensAreValidatedEveryTime()
    {
        var (cache, inner, clock) = Cache();
        var forged = Token(s_start.AddHours(1), key: "another-key-that-this-gateway-never-accepted-32b");

        for (var i = 0; i < 3; i++)
        {
            Assert.False((await cache.ValidateTokenAsync(forged, Parameters())).IsValid);
        }

        Assert.Equal(3, inner.Calls);
        Assert.Equal(0, cache.Count);
    }

    private static (CachingTokenHandler Cache, CountingHandler Inner, ManualClock Clock) Cache(Func<DateTimeOffset, DateTimeOffset?>? keysChange = null)
    {
        var clock = new ManualClock { Now = s_start };
        var inner = new CountingHandler();
        return (new CachingTokenHandler(inner, clock, keysChange ?? (_ => null)), inner, clock);
    }

    private static TokenValidationParameters Parameters() => new()
    {
        ValidIssuer = "pulso",
        ValidAudience = "pulso",
        IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)),
        ClockSkew = TimeSpan.Zero,
    };

    private static string Token(DateTimeOffset expires, string key = Key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "pulso",
        Audience = "pulso",
        IssuedAt = s_start.UtcDateTime.AddMinutes(-1),
        NotBefore = s_start.UtcDateTime.AddMinutes(-1),
        Expires = expires.UtcDateTime,
        Claims = new Dictionary<string, object> { ["sub"] = "viewer@acme", ["tenant"] = "acme", ["role"] = "viewer" },
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });

    /// <summary>The real handler, counting how often it is asked.</summary>
    private sealed class CountingHandler : JsonWebTokenHandler
    {
        public int Calls { get; private set; }

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Calls++;
            return base.ValidateTokenAsync(token, validationParameters);
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
