namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>The repository these tests were built in (the folder with <c>Caravan.slnx</c>), where the <c>eng/</c> scripts are.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Caravan.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Caravan.slnx above {AppContext.BaseDirectory}.");
    }
}
