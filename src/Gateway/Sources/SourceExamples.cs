using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Pulso.Gateway.Sources;

/// <summary>The OpenAPI examples of <c>PUT …/sources/{name}</c>, one per kind.</summary>
internal static class SourceExamples
{
    private static readonly (string Name, string Summary, string Json)[] s_examples =
    [
        ("postgres", "A PostgreSQL table with the tenant's own column names", """
            { "kind": "postgres", "secret": "Host=db.example;Database=cobranza;Username=pulso_ro;Password=...",
              "gestiones": { "table": "public.gestiones", "watermarkColumn": "id_gestion",
                "columns": { "gestion_id": "id_gestion", "fecha": "fec_gestion", "documento": "nro_documento", "ejecutivo": "cod_asesor",
                             "tipificacion": "resultado", "saldo": "saldo_deuda", "dias_mora": "dias_atraso", "canal": "medio" } },
              "jornadas": { "table": "public.asistencia", "watermarkColumn": "id",
                "columns": { "ejecutivo": "cod_asesor", "fecha": "dia", "horas_trabajadas": "horas" } },
              "pageSize": 50000, "pollIntervalSeconds": 10, "settleLagSeconds": 5 }
            """),
        ("mysql", "A MariaDB/MySQL view read through a query, watermark on a timestamp", """
            { "kind": "mysql", "secret": "Server=db.example;Database=cobranza;User ID=pulso_ro;Password=...",
              "gestiones": { "query": "SELECT * FROM gestiones WHERE anulada = 0", "watermarkColumn": "actualizado_en",
                "columns": { "gestion_id": "id", "fecha": "fecha_hora" } },
              "pageSize": 20000, "pollIntervalSeconds": 30, "settleLagSeconds": 10 }
            """),
        ("bigquery", "A BigQuery table (jobs.query / getQueryResults) as a service account", """
            { "kind": "bigquery", "secret": "{ \"type\": \"service_account\", \"client_email\": \"pulso@proyecto.iam.gserviceaccount.com\", \"private_key\": \"-----BEGIN PRIVATE KEY-----...\" }",
              "settings": { "projectId": "proyecto", "location": "US" },
              "gestiones": { "table": "proyecto.cobranza.gestiones", "watermarkColumn": "gestion_id" },
              "pageSize": 50000, "pollIntervalSeconds": 60 }
            """),
        ("rest", "A paged REST JSON API with a since watermark and a bearer token", """
            { "kind": "rest", "location": "https://crm.example/api/", "secret": "Bearer eyJ...",
              "settings": { "pagination": "since", "sinceParam": "desde", "limitParam": "limite" },
              "gestiones": { "path": "v2/gestiones", "rowsPath": "data.items", "watermarkColumn": "id" },
              "pageSize": 1000, "pollIntervalSeconds": 15 }
            """),
        ("soap", "A legacy SOAP endpoint: an envelope template and the row element", """
            { "kind": "soap", "location": "https://legacy.example/ws/Gestiones.asmx",
              "settings": { "soapAction": "urn:cobranza/ListarGestiones" },
              "gestiones": { "rowsPath": "Gestion", "watermarkColumn": "Id",
                "path": "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><ListarGestiones xmlns=\"urn:cobranza\"><desde>{since}</desde><max>{limit}</max></ListarGestiones></soap:Body></soap:Envelope>",
                "columns": { "gestion_id": "Id", "fecha": "Fecha", "documento": "Documento", "ejecutivo": "Asesor", "tipificacion": "Resultado", "saldo": "Saldo", "dias_mora": "DiasMora", "canal": "Canal" } } }
            """),
        ("file", "CSV (gestiones or jornadas layout) and Arrow IPC files dropped in a folder, each taken once", """
            { "kind": "file", "location": "/data/entrada/banco-andino", "pageSize": 50000, "pollIntervalSeconds": 10 }
            """),
    ];

    public static Task AddAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true && media is OpenApiMediaType json)
        {
            json.Examples ??= new Dictionary<string, IOpenApiExample>();
            foreach (var (name, summary, text) in s_examples)
            {
                json.Examples[name] = new OpenApiExample { Summary = summary, Value = JsonNode.Parse(text) };
            }
        }

        return Task.CompletedTask;
    }
}
