namespace Caravan.Payments.Provider;

/// <summary>A simulated, transient provider failure: the messaging layer retries the charge.</summary>
public sealed class ProviderOutageException : Exception
{
    public ProviderOutageException()
        : base("The payment provider is unavailable (simulated outage).")
    {
    }

    public ProviderOutageException(string message)
        : base(message)
    {
    }

    public ProviderOutageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
