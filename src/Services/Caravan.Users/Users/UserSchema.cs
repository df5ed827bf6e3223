namespace Caravan.Users.Users;

/// <summary>
/// The users table. A deleted user keeps its row (<c>deleted_at</c> set) but frees its e-mail address:
/// uniqueness of the normalised address holds among users that are not deleted.
/// </summary>
internal static class UserSchema
{
    public static readonly string[] Statements =
    [
        """
        CREATE TABLE IF NOT EXISTS users (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL,
            email_key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT NULL
        )
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email_key ON users (email_key) WHERE deleted_at IS NULL",
        "CREATE INDEX IF NOT EXISTS ix_users_created_at ON users (created_at, id) WHERE deleted_at IS NULL",
    ];
}
