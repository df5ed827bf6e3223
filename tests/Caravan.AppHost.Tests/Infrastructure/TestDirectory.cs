namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>A fresh, empty directory under the system temp folder, deleted (best effort) on dispose.</summary>
public sealed class TestDirectory : IDisposable
{
    public TestDirectory(string prefix)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "caravan-tests", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that outlived its test may still hold a file; the temp folder is swept by the OS.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
