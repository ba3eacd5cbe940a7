using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Pulso.Gateway.Limits;

/// <summary>
/// Kestrel's own refusals raised while a route reads the request (body over <c>Kestrel:Limits:MaxRequestBodySize</c>,
/// a body that arrives too slowly, a malformed chunk) answered as problem+json with Kestrel's status and reason,
/// not as a 500. Limits Kestrel enforces before any route runs (request line, headers) get its plain answer.
/// </summary>
internal sealed class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Detail = Detail(bad),
            },
        });
    }

    /// <summary>Kestrel's reason, naming the configuration key when it is the body size limit.</summary>
    public static string Detail(BadHttpRequestException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? $"{exception.Message} (Kestrel:Limits:MaxRequestBodySize)"
            : exception.Message;
    }
}
