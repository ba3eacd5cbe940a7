using Pulso.Gateway.Hosting;
using Pulso.Silo.Demo;
using Pulso.Silo.Hosting;

// A Pulso cluster node: an Orleans silo with the HTTP gateway co-hosted.
// With no configuration it is the embedded default: localhost clustering, in-memory storage,
// the demo tenant fed by a simulator, the dashboard API on http://127.0.0.1:8080.
// Configuration is read next to the binary, so the silo behaves the same whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // The embedded default's address; --urls and ASPNETCORE_URLS take precedence.
    builder.WebHost.UseUrls("http://127.0.0.1:8080");
}

builder.AddPulsoSilo();
builder.AddPulsoGateway();
builder.AddPulsoDemo();

var app = builder.Build();
app.MapPulsoGateway();
app.MapPulsoDemo();
app.Run();
