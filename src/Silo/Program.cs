// The cluster node host. Issue 3 wires clustering, storage and the co-hosted gateway;
// for now it starts a single localhost silo so the solution runs end to end.
var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering());

var app = builder.Build();
app.MapGet("/healthz", () => Results.Text("ok"));
app.Run();
