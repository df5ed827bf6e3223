using Caravan.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCaravanGateway();
builder.AddCaravanGraphQL();

var app = builder.Build();
app.UseServiceDefaults();
app.MapCaravanGateway();
app.MapCaravanGraphQL();
app.Run();
