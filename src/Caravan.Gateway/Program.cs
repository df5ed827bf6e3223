using Caravan.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCaravanGateway();
builder.AddCaravanOpenApiDocs();
builder.AddCaravanGraphQL();

var app = builder.Build();
app.UseServiceDefaults();
app.MapCaravanGateway();
app.MapCaravanOpenApiDocs();
app.MapCaravanGraphQL();
app.Run();
