using Caravan.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCaravanGateway();
builder.AddCaravanOpenApiDocs();

var app = builder.Build();
app.UseServiceDefaults();
app.MapCaravanGateway();
app.MapCaravanOpenApiDocs();
app.Run();
