using Caravan.Inventory;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddInventoryService();

var app = builder.Build();
app.UseServiceDefaults();
app.MapInventoryEndpoints();
app.Run();
