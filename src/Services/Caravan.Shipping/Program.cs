using Caravan.Shipping;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddShippingService();

var app = builder.Build();
app.UseServiceDefaults();
app.MapShippingEndpoints();
app.Run();
