using Caravan.Bench.Messaging;

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
    return options.Role switch
    {
        null => await Orchestrator.RunAsync(options),
        Roles.CeilingProducer => await CeilingRoles.ProduceAsync(options),
        Roles.CeilingConsumer => await CeilingRoles.ConsumeAsync(options),
        Roles.CaravanProducer => await CaravanRoles.ProduceAsync(options),
        Roles.CaravanConsumer => await CaravanRoles.ConsumeAsync(options),
        _ => throw new ArgumentException($"Unknown role '{options.Role}'."),
    };
}
catch (Exception ex)
{
    Console.Error.WriteLine($"{options.Role ?? "bench"} failed: {ex}");
    return 1;
}
