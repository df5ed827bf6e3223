using Caravan.Bench.Distributed;

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

try
{
    var results = await Orchestrator.RunAsync(options);
    Report.Print(options, results, Console.Out);
    return results.Any(result => result.Error is not null) ? 1 : 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"bench failed: {ex}");
    return 1;
}
