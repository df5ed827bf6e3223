using Caravan.Notifications;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotificationsService();

var app = builder.Build();
app.UseServiceDefaults();
app.MapNotificationsEndpoints();
app.Run();
