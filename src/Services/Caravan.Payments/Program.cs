using Caravan.Payments;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPaymentsService();

var app = builder.Build();
app.UseServiceDefaults();
app.MapPaymentsEndpoints();
app.Run();
