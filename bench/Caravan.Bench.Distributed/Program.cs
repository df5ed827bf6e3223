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
    if (options.RunSide is { } one)
    {
        // A child process: one side, one round; the result goes to the parent as one line on standard output.
        var result = await Orchestrator.RunSideAsync(options, one.Side, one.Run, one.RunId);
        Console.Out.WriteLine(Orchestrator.ResultPrefix + System.Text.Json.JsonSerializer.Serialize(result, Orchestrator.ResultJson));
        return 0;
    }

    var results = await Orchestrator.RunAsync(options);
    Report.Print(options, results, Console.Out);
    return results.Any(result => result.Error is not null) ? 1 : 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"bench failed: {ex}");
    return 1;
}
