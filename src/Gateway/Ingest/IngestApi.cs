using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;

namespace Pulso.Gateway.Ingest;

/// <summary>The answer to a push (DESIGN 5): rows accepted and rows rejected by reason.</summary>
public sealed record IngestResponse(
    [property: JsonPropertyName("accepted")] long Accepted,
    [property: JsonPropertyName("rejected")] IReadOnlyDictionary<string, long> Rejected);

/// <summary>
/// <c>POST /api/v1/tenants/{tenant}/gestiones</c> and <c>…/jornadas</c>: push ingest of JSON, NDJSON or CSV. The
/// body is read and validated completely before anything is applied, so a refused request changes nothing.
/// </summary>
internal static partial class IngestApi
{
    private const string IdempotencyHeader = "Idempotency-Key";
    private const string Gestiones = "gestiones";
    private const string Jornadas = "jornadas";

    public static RouteGroupBuilder MapIngestApi(this RouteGroupBuilder tenants)
    {
        tenants.MapPost("/{tenant}/gestiones", (string tenant, HttpContext context, IClusterClient cluster, IngestThrottle throttle, IOptions<IngestOptions> options) =>
                PushAsync(Gestiones, tenant, context, cluster, throttle, options.Value))
            .RequireAccess(Access.Ingest)
            .WithName("PushGestiones")
            .WithSummary("Push gestiones as a JSON array, NDJSON or CSV; exactly once per Idempotency-Key");
        tenants.MapPost("/{tenant}/jornadas", (string tenant, HttpContext context, IClusterClient cluster, IngestThrottle throttle, IOptions<IngestOptions> options) =>
                PushAsync(Jornadas, tenant, context, cluster, throttle, options.Value))
            .RequireAccess(Access.Ingest)
            .WithName("PushJornadas")
            .WithSummary("Push jornadas (hours worked) as a JSON array, NDJSON or CSV; exactly once per Idempotency-Key");
        return tenants;
    }

    private static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> PushAsync(
        string kind, string tenant, HttpContext context, IClusterClient cluster, IngestThrottle throttle, IngestOptions options)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var authorized, out var denied))
        {
            return denied;
        }

        if (!TryIdempotencyKey(context.Request, out var key, out var keyProblem))
        {
            return Problem(StatusCodes.Status400BadRequest, keyProblem);
        }

        if (Format(context.Request) is not { } format)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type '{context.Request.ContentType}' is not one of application/json (an array of objects), application/x-ndjson, text/csv (UTF-8)");
        }

        if (context.Request.ContentLength > options.MaxBodyBytes)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"the body ({context.Request.ContentLength} bytes) is over the limit of {options.MaxBodyBytes} bytes");
        }

        using var lease = throttle.TryEnter(authorized);
        if (!lease.IsAcquired)
        {
            context.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problem(StatusCodes.Status429TooManyRequests,
                $"tenant '{authorized}' already has {options.MaxConcurrentPerTenant} pushes in flight; retry after {options.RetryAfterSeconds} s");
        }

        // The tenant and trace ids come from the request's log scope (UseTenantLogScope, activity tracking).
        var log = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
        try
        {
            var tenantGrain = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(authorized));
            if (!await IngestRetry.CallAsync(tenantGrain.Exists, "tenant check", log, context.RequestAborted))
            {
                return Problem(StatusCodes.Status404NotFound, $"no tenant '{tenant}'");
            }
        }
        catch (Exception e) when (IngestRetry.IsTransient(e))
        {
            return Unavailable(context, e, key);
        }

        // Our own limit governs (with a message that says so); CSV is read synchronously, off the request thread.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.MaxBodyBytes + 1;
        }

        if (format == PushFormat.Csv && context.Features.Get<IHttpBodyControlFeature>() is { } control)
        {
            control.AllowSynchronousIO = true;
        }

        IngestPush push;
        try
        {
            var limits = new PushLimits(options.MaxBodyBytes, options.MaxRows);
            push = kind == Gestiones
                ? ToPush(await PushReader.ReadGestionesAsync(context.Request.Body, format, authorized, limits, context.RequestAborted), key)
                : ToPush(await PushReader.ReadJornadasAsync(context.Request.Body, format, authorized, limits, context.RequestAborted), key);
            // This request's identity: a call sent again after a lost answer names the same batches.
            push = push with { PushId = Guid.NewGuid().ToString("N") };
        }
        catch (PushException e)
        {
            return Problem(Status(e.Kind), e.Message);
        }
        catch (BadHttpRequestException e)
        {
            return Problem(e.StatusCode, $"the body could not be read: {e.Message}");
        }

        // The same push (same batch ids, same push id) is sent again when its answer was lost or a leaving silo
        // refused it: applied once whatever happened to the first call.
        var ingest = cluster.GetGrain<IIngestGrain>(GrainKeys.Ingest(authorized));
        IngestOutcome outcome;
        try
        {
            outcome = await IngestRetry.CallAsync(() => ingest.Push(push), "ingest", log, context.RequestAborted);
        }
        catch (Exception e) when (IngestRetry.IsTransient(e))
        {
            return Unavailable(context, e, key);
        }

        if (log.IsEnabled(LogLevel.Debug))
        {
            var rejected = outcome.Answer.Rejected.Values.Sum();
            LogPushed(log, kind, outcome.Status, outcome.Answer.Accepted, rejected);
        }
        switch (outcome.Status)
        {
            case IngestStatus.KeyConflict:
                return Problem(StatusCodes.Status422UnprocessableEntity,
                    $"Idempotency-Key '{key}' was already used with another body (or route) in the last 24 h; nothing was applied");
            case IngestStatus.Replayed:
                context.Response.Headers["Idempotent-Replayed"] = "true";
                break;
        }

        return TypedResults.Ok(new IngestResponse(outcome.Answer.Accepted, outcome.Answer.Rejected));
    }

    private static IngestPush ToPush(GestionPush read, string? key)
    {
        var batches = read.Gestiones.Days()
            .Select(d => read.Gestiones.ToDayBatch(string.Empty, DateOnly.FromDayNumber(d)))
            .ToArray();
        var rejects = read.Rejects.Rows
            .Select(r => new QuarantinedRow(Gestiones, r.Source, r.Line, RejectReasons.Name(r.Reason), r.Fields, default))
            .ToArray();
        return new IngestPush(Gestiones, key, read.BodyHash, batches, new IngestAnswer(read.Gestiones.Count, read.Rejects.ToDictionary()), rejects);
    }

    private static IngestPush ToPush(JornadaPush read, string? key)
    {
        var none = new GestionBatchBuilder().Build();
        var batches = read.Jornadas
            .GroupBy(j => j.Fecha)
            .OrderBy(g => g.Key)
            .Select(g => none.ToDayBatch(string.Empty, g.Key, [.. g.Select(j => (j.Ejecutivo, j.HorasCents))]))
            .ToArray();
        var rejects = read.RejectedRows
            .Select(r => new QuarantinedRow(Jornadas, r.Source, r.Line, PushReader.Name(r.Reason), r.Fields, default))
            .ToArray();
        var rejected = read.Rejected.ToDictionary(r => PushReader.Name(r.Key), r => r.Value, StringComparer.Ordinal);
        return new IngestPush(Jornadas, key, read.BodyHash, batches, new IngestAnswer(read.Jornadas.Count, rejected), rejects);
    }

    /// <summary>The optional <c>Idempotency-Key</c>: one value of 1 to 200 printable ASCII characters.</summary>
    private static bool TryIdempotencyKey(HttpRequest request, out string? key, out string problem)
    {
        key = null;
        problem = string.Empty;
        if (!request.Headers.TryGetValue(IdempotencyHeader, out var values))
        {
            return true;
        }

        if (values.Count != 1)
        {
            problem = $"{IdempotencyHeader} must be given once";
            return false;
        }

        var value = values[0] ?? string.Empty;
        if (value.Length is < 1 or > 200 || value.Any(c => c is < ' ' or > '~'))
        {
            problem = $"{IdempotencyHeader} must be 1 to 200 printable ASCII characters";
            return false;
        }

        key = value;
        return true;
    }

    private static PushFormat? Format(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            return null;
        }

        if (type.Charset.HasValue && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return type.MediaType.Value?.ToLowerInvariant() switch
        {
            "application/json" => PushFormat.Json,
            "application/x-ndjson" or "application/jsonl" or "application/jsonlines" => PushFormat.Ndjson,
            "text/csv" => PushFormat.Csv,
            _ => null,
        };
    }

    private static int Status(PushErrorKind kind) => kind switch
    {
        PushErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        PushErrorKind.ForeignCliente => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status400BadRequest,
    };

    private static ProblemHttpResult Problem(int status, string detail) => TypedResults.Problem(statusCode: status, detail: detail);

    /// <summary>503 after <see cref="IngestRetry.MaxAttempts"/> calls failed transiently: the client may send it again.</summary>
    private static ProblemHttpResult Unavailable(HttpContext context, Exception e, string? key)
    {
        context.Response.Headers.RetryAfter = "1";
        return Problem(StatusCodes.Status503ServiceUnavailable,
            $"the cluster did not answer after {IngestRetry.MaxAttempts} calls ({e.GetType().Name}); send the push again"
            + (key is null ? string.Empty : " with the same Idempotency-Key"));
    }

    private const string LogCategory = "Pulso.Gateway.Ingest";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Push of {Kind}: {Status}, {Accepted} accepted, {Rejected} rejected")]
    private static partial void LogPushed(ILogger logger, string kind, IngestStatus status, long accepted, long rejected);
}
