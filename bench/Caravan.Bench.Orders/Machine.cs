using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Caravan.Bench.Orders;

/// <summary>The facts a result needs next to it: the machine, the runtime, the source measured.</summary>
internal static class Machine
{
    /// <summary>The repository root: the first folder holding Caravan.slnx above the current directory, or above this program.</summary>
    public static string RepositoryRoot() =>
        FindUp(Directory.GetCurrentDirectory()) ?? FindUp(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Run the benchmark from inside the Caravan repository (no Caravan.slnx found above the current directory or the program).");

    public static string CpuModel()
    {
        var line = ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    public static string OperatingSystem()
    {
        var kernel = ReadLines("/proc/sys/kernel/osrelease").FirstOrDefault();
        return kernel is null ? RuntimeInformation.OSDescription : $"{RuntimeInformation.OSDescription}, kernel {kernel.Trim()}";
    }

    /// <summary>The output of a short command run in <paramref name="directory"/> (git, dotnet --version), or "?".</summary>
    public static string Run(string directory, string program, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output.Trim() : "?";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    /// <summary>The commit, and how many paths differ from it (the working tree is what runs).</summary>
    public static string Source(string repositoryRoot)
    {
        var commit = Run(repositoryRoot, "git", "rev-parse", "--short", "HEAD");
        var changes = Run(repositoryRoot, "git", "status", "--porcelain").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        return changes == 0 ? $"commit {commit}, clean working tree" : $"commit {commit} + {changes} uncommitted path(s) in the working tree";
    }

    private static string? FindUp(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Caravan.slnx")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
