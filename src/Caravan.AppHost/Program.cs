// Caravan's one-command run: `dotnet run --project src/Caravan.AppHost` starts every service and the
// gateway as local processes (no Docker, nothing to install) on the embedded defaults: one SQLite broker
// file and one SQLite file per service, all in one data directory.
// `dotnet run --project src/Caravan.AppHost -- --mode distributed` runs the same services on PostgreSQL
// and RabbitMQ instead, with two competing instances each of Inventory and Payments (see below).
//
// Settings (the app host's configuration: environment variables, command-line `--key=value`, appsettings):
// - CARAVAN_HTTP_PORT (default 8080): the public entry point, the gateway, at http://127.0.0.1:PORT. The
//   gateway binds that port itself (no proxy in front of it).
// - Caravan:DataDirectory / Caravan__DataDirectory (default <repository>/.caravan/data, found from this
//   project's directory, not the current one): passed to every service as Caravan__DataDirectory.
// - Caravan:<Service>:* (e.g. Caravan:Payments:TransientFailureRate, Caravan:Payments:Latency): passed to
//   that service as Caravan__<Service>__*. Inventory gets Caravan__Inventory__SeedDemoProducts=true unless
//   Caravan:Inventory:SeedDemoProducts says otherwise. Caravan:Messaging:* (e.g.
//   Caravan:Messaging:Consumer:LeaseDuration) and Caravan:Database:* go to every service.
// - Caravan:Mode / --mode (default embedded). `distributed`: every service's database on PostgreSQL
//   (Caravan:Database:NamePrefix, default caravan_, + the service's name) and its messages through
//   RabbitMQ (Caravan:Messaging:RabbitMq:*, e.g. TopologyPrefix or QueueType); the servers are
//   ConnectionStrings:postgres and ConnectionStrings:rabbitmq when given (remote ones, say), else the app
//   host starts local ones with eng/postgres.sh start and eng/rabbitmq.sh start, passing those scripts
//   their CARAVAN_POSTGRES_* / CARAVAN_RABBITMQ_* settings from its configuration. See Distributed/.
// - Caravan:Gateway:* (e.g. Caravan:Gateway:RateLimiting:Anonymous:TokensPerSecond, Caravan:Gateway:Limits:
//   MaxRequestBodySize, Caravan:Gateway:Timeouts:Default): passed to the gateway as Caravan__Gateway__*.
// - Caravan:DynamicPorts (default false). Each service listens itself, with no proxy in between, on the
//   port of its launch profile (users 5101, orders 5102, inventory 5103, payments 5104, shipping 5105,
//   notifications 5106), and binds it again when it is restarted after a crash. With
//   Caravan:DynamicPorts=true the app host picks free ports below the kernel's ephemeral range instead, so
//   a second app host (the tests) can run beside a developer's; only the gateway's port is then fixed, and
//   the tests choose a free one. A service run as several instances (distributed mode's Inventory and
//   Payments) keeps that port on Aspire's proxy, which spreads calls over the instances.
//   Inventory has a second, HTTP/2-only endpoint `grpc` for its gRPC API (5113; see
//   CaravanResources.WithGrpcEndpoint); Orders calls it as `http://_grpc.inventory`.
// - Caravan:Restarts:InitialDelay / MaxDelay / StableAfter: the crash-restart backoff (1 s doubling up
//   to 10 s; a process that ran 30 s starts a new series). See Supervision/CrashRestarter.cs.
//
// Services find each other through Aspire's service discovery (`http://orders` from users), and the
// gateway forwards /api/v1/... to them the same way. The dashboard runs at http://127.0.0.1:18888 (OTLP
// on 18889), over plain HTTP and without login: this is a local development run (see LocalRunDefaults).
using Caravan.AppHost;
using Caravan.AppHost.Distributed;
using Caravan.AppHost.Supervision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

LocalRunDefaults.ApplyToEnvironment();

var builder = DistributedApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, CaravanSettings.SwitchMappings);
LocalRunDefaults.ApplyToConfiguration(builder.Configuration);
var settings = CaravanSettings.From(builder.Configuration, builder.AppHostDirectory);
Directory.CreateDirectory(settings.DataDirectory);

var users = builder.AddCaravanService<Projects.Caravan_Users>("users", "Users", settings);
var orders = builder.AddCaravanService<Projects.Caravan_Orders>("orders", "Orders", settings);
var inventory = builder.AddCaravanService<Projects.Caravan_Inventory>("inventory", "Inventory", settings)
    .WithGrpcEndpoint(CaravanResources.InventoryGrpcPort, settings);
var payments = builder.AddCaravanService<Projects.Caravan_Payments>("payments", "Payments", settings);
var shipping = builder.AddCaravanService<Projects.Caravan_Shipping>("shipping", "Shipping", settings);
var notifications = builder.AddCaravanService<Projects.Caravan_Notifications>("notifications", "Notifications", settings);

users.WithReference(orders);
orders.WithReference(users).WithReference(inventory);
if (builder.Configuration["Caravan:Inventory:SeedDemoProducts"] is null)
{
    inventory.WithEnvironment("Caravan__Inventory__SeedDemoProducts", "true");
}

if (settings.Mode == CaravanMode.Distributed)
{
    var servers = await DistributedServers.ResolveAsync(builder.Configuration, settings.RepositoryRoot);
    builder.RunOn(servers, [users, orders, inventory, payments, shipping, notifications]);
    inventory.AsCompetingConsumers();
    payments.AsCompetingConsumers();
    builder.Services.AddSingleton(servers);
}

builder.AddProject<Projects.Caravan_Gateway>("gateway", launchProfileName: null)
    .WithHttpEndpoint(port: settings.GatewayPort, name: "http", isProxied: false)
    .WithEndpoint("http", endpoint => endpoint.TargetHost = "127.0.0.1")
    .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
    .WithHttpHealthCheck(CaravanResources.ReadinessPath)
    .WithRestartOnCrash()
    .WithConfigurationSection(builder.Configuration, "Caravan:Gateway")
    .WithReference(users)
    .WithReference(orders)
    .WithReference(inventory)
    .WithReference(payments)
    .WithReference(shipping)
    .WithReference(notifications);

builder.AddCrashRestarts();
builder.Services.AddSingleton(settings);
builder.Services.AddHostedService<ConsoleBanner>();

await builder.Build().RunAsync();
