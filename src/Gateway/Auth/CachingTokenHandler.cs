using System.Collections.Concurrent;
using Microsoft.IdentityModel.Tokens;

namespace Pulso.Gateway.Auth;

/// <summary>
/// Remembers bearer tokens that validated, so that a dashboard polling with one token, or a pusher sending many
/// batches, has its token parsed and its HMAC checked once per <see cref="MaxAge"/> instead of on every request.
/// A token is remembered until the earliest of its own expiry, <see cref="MaxAge"/>, and the next instant the accepted
/// keys change (a previous key's <c>AcceptUntil</c>), so nothing is accepted that validation would refuse, except
/// for at most <see cref="MaxAge"/> after an authority's keys change. Refused tokens are not remembered: each is
/// validated again and refused again. Every request gets its own copy of the identity.
/// </summary>
internal sealed class CachingTokenHandler(TokenHandler inner, TimeProvider time, Func<DateTimeOffset, DateTimeOffset?> keysChangeAfter) : TokenHandler
{
    /// <summary>How long a validated token is remembered at most.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    /// <summary>Tokens remembered at most; past it the memory starts again empty.</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    /// <summary>Tokens remembered now (tests and diagnostics).</summary>
    public int Count => _validated.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(token);
        var now = time.GetUtcNow();
        if (_validated.TryGetValue(token, out var known))
        {
            if (now < known.Until)
            {
                return Copy(known.Result);
            }

            _validated.TryRemove(token, out _);
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } securityToken && result.ClaimsIdentity is not null)
        {
            var until = now + MaxAge;
            if (securityToken.ValidTo != DateTime.MinValue && new DateTimeOffset(DateTime.SpecifyKind(securityToken.ValidTo, DateTimeKind.Utc)) is var expires && expires < until)
            {
                until = expires;
            }

            if (keysChangeAfter(now) is { } change && change < until)
            {
                until = change;
            }

            if (until > now)
            {
                if (_validated.Count >= Capacity)
                {
                    _validated.Clear();
                }

                _validated[token] = new Validated(result, until);
                return Copy(result);
            }
        }

        return result;
    }

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    private static TokenValidationResult Copy(TokenValidationResult result) => new()
    {
        IsValid = true,
        ClaimsIdentity = result.ClaimsIdentity.Clone(),
        SecurityToken = result.SecurityToken,
        Issuer = result.Issuer,
        TokenType = result.TokenType,
        TokenContext = result.TokenContext,
    };

    private sealed record Validated(TokenValidationResult Result, DateTimeOffset Until);
}
