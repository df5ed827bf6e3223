using System.Net.Mail;
using Caravan.ServiceDefaults.Problems;

namespace Caravan.Users.Users;

/// <summary>The body of <c>POST</c> and <c>PUT /api/v1/users</c>; every field is validated explicitly so each missing one is named.</summary>
internal sealed record UserRequest(string? Name, string? Email)
{
    public const int MaxNameLength = 200;

    /// <summary>The longest address SMTP can carry (RFC 5321 path limit).</summary>
    public const int MaxEmailLength = 254;

    /// <summary>Validates the request; on success returns the trimmed name and e-mail address.</summary>
    public (string Name, string Email)? Validate(FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var nameValid = errors.RequireText(Name, "name", MaxNameLength);
        var email = Email?.Trim();
        var emailValid = errors.RequireText(email, "email", MaxEmailLength)
            && errors.Check(IsEmailAddress(email!), "email", "'email' must be a valid e-mail address, such as ada@example.com.");
        return nameValid && emailValid ? (Name!.Trim(), email!) : null;
    }

    /// <summary>The key e-mail uniqueness is checked on: addresses differing only in case are the same user.</summary>
    public static string EmailKey(string email) => email.ToLowerInvariant();

    // A bare address only: MailAddress also accepts "Ada <ada@example.com>", which is not an e-mail field's value.
    private static bool IsEmailAddress(string value) =>
        MailAddress.TryCreate(value, out var address)
        && string.Equals(address.Address, value, StringComparison.Ordinal)
        && address.DisplayName.Length == 0
        && !value.Any(char.IsWhiteSpace);
}
