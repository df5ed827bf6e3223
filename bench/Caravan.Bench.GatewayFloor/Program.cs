using Yarp.ReverseProxy.Configuration;

// The gateway benchmark's floor (bench/gateway/run.sh --floor): a bare YARP proxy, configured the way YARP's own
// getting-started sample is, in front of the one backend the benchmark measures. It is not a product: it has none of
// the gateway's features, and exists only so that the benchmark can tell what YARP itself costs on the same machine.
var builder = WebApplication.CreateBuilder(args);
var backend = builder.Configuration["Backend"]
    ?? throw new InvalidOperationException("Set Backend to the backend's base address, e.g. http://127.0.0.1:5000.");
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "{**path}" } }],
    [
        new ClusterConfig
        {
            ClusterId = "backend",
            Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal) { ["backend"] = new() { Address = backend } },
        },
    ]);

var app = builder.Build();
app.MapReverseProxy();
app.Run();
