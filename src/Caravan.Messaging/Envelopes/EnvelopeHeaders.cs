namespace Caravan.Messaging;

/// <summary>Names of headers that Caravan itself sets.</summary>
public static class EnvelopeHeaders
{
    /// <summary>On a reply: the id of the request it answers.</summary>
    public const string InReplyTo = "caravan-in-reply-to";

    /// <summary>On a dead letter whose stored metadata could not be read: that metadata, as stored.</summary>
    public const string UnreadableMetadata = "caravan-unreadable-metadata";
}
