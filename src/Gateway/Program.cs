// The HTTP edge of the cluster. Issue 4 adds the REST API, auth and roles; issue 5 the hub.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => Results.Text("ok"));
app.Run();
