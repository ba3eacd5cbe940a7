using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Pulso.Grains.Ingestion;

namespace Pulso.Gateway.Hosting;

/// <summary>
/// Bodies of the routes that read small JSON or CSV documents (settings, homologation, API keys): at most a given number
/// of bytes and UTF-8, checked as they are read so that a handler never sees more or other bytes, whatever the server
/// enforces itself. A body over the limit is a 413, one that is not UTF-8 a 400, both problem+json saying so.
/// Push ingest guards its own bodies with its own limits.
/// </summary>
internal static class BodyGuard
{
    public static RouteGroupBuilder WithBodyGuard(this RouteGroupBuilder group, long maxBytes)
    {
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var request = invocation.HttpContext.Request;
            if (request.ContentLength > maxBytes)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"the body ({request.ContentLength} bytes) is over the limit of {maxBytes} bytes");
            }

            // Only ever lowers the server's own limit (Kestrel:Limits:MaxRequestBodySize), never raises it.
            if (invocation.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size
                && (size.MaxRequestBodySize is null || size.MaxRequestBodySize > maxBytes + 1))
            {
                size.MaxRequestBodySize = maxBytes + 1;
            }

            request.Body = new GuardedBody(request.Body, maxBytes);
            try
            {
                return await next(invocation);
            }
            catch (BadHttpRequestException e) when (!invocation.HttpContext.Response.HasStarted)
            {
                return TypedResults.Problem(statusCode: e.StatusCode, detail: Limits.BadRequestProblems.Detail(e));
            }
        });
        return group;
    }

    private sealed class GuardedBody(Stream inner, long maxBytes) : CheckedBodyStream(inner, maxBytes, checkUtf8: true)
    {
        protected override Exception TooLarge(long limit) =>
            new BadHttpRequestException($"the body is over the limit of {limit} bytes", StatusCodes.Status413PayloadTooLarge);

        protected override Exception NotUtf8(long offset) =>
            new BadHttpRequestException($"the body is not valid UTF-8 (near byte {offset})", StatusCodes.Status400BadRequest);
    }
}
