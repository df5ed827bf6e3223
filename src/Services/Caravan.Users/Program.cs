using Caravan.Users;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddUsersService();

var app = builder.Build();
app.UseServiceDefaults();
app.MapUsersEndpoints();
app.Run();
