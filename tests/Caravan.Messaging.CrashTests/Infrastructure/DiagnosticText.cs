using System.Globalization;
using System.Text;

namespace Caravan.Messaging.CrashTests;

/// <summary>Lines for a failed test's message, each read on its own so that one failing read hides none of the others.</summary>
public static class DiagnosticText
{
    /// <summary>Appends <c>name: count</c>, or <c>name: unreadable (why)</c> when reading it fails.</summary>
    public static async Task AppendCountAsync(this StringBuilder text, string name, Func<Task<long>> read)
    {
        try
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{name}: {await read()}");
        }
        catch (Exception ex)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{name}: unreadable ({ex.Message})");
        }
    }
}
