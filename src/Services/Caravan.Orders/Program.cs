using Caravan.Orders;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddOrdersService();

var app = builder.Build();
app.UseServiceDefaults();
app.MapOrdersEndpoints();
app.Run();
