using Caravan.Bench.Orders;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("This benchmark reads /proc and stops the app host with SIGINT: it runs on Linux only.");
    return 2;
}

try
{
    return await OrdersBenchmark.RunAsync(options, args);
}
catch (Exception ex)
{
    Console.Error.WriteLine($"The order-system benchmark failed: {ex}");
    return 1;
}
