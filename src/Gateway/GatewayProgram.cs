using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration.Memory;
using Pulso.Gateway.Hosting;

namespace Pulso.Gateway;

/// <summary>
/// The gateway in a process of its own: the HTTP API over an Orleans client of a running cluster
/// (<c>dotnet run --project src/Gateway</c>, configured by the silos' <c>Pulso:Cluster:*</c> keys).
/// Silos co-host the same API through <see cref="GatewayExtensions"/> and never run this entry point.
/// </summary>
internal static class GatewayProgram
{
    // What an appsettings.json would hold. The gateway ships none: the silo co-hosts this assembly, and a second
    // appsettings.json would clash with the silo's own in its output folder.
    private static readonly Dictionary<string, string?> s_defaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Orleans"] = "Warning",
    };

    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // The lowest-priority source: any appsettings.json, environment variable or argument overrides it.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = s_defaults });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            // Beside an embedded silo on 8080; --urls and ASPNETCORE_URLS take precedence.
            builder.WebHost.UseUrls("http://127.0.0.1:8081");
        }

        builder.AddPulsoClusterClient();
        builder.AddPulsoGateway();

        var app = builder.Build();
        app.MapPulsoGateway();
        app.Run();
    }
}
