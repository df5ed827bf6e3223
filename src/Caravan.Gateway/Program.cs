using Caravan.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCaravanGateway();

var app = builder.Build();
app.UseServiceDefaults();
app.MapCaravanGateway();
app.Run();
