//! The users table. `UserRecord` holds the password hash and so is never
//! serialised; pages get `CurrentUser`. Each query takes any executor, so
//! it runs on the pool or inside a caller's transaction alike.

use crate::support::time::unix_now;
use sqlx::{Any, AnyConnection, Executor, FromRow};

#[derive(Debug, FromRow)]
pub struct UserRecord {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub email_verified_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("an account with this e-mail already exists")]
    DuplicateEmail,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const COLUMNS: &str = "id, email, display_name, password_hash, email_verified_at";

/// `email` must be normalised and `password_hash` an argon2 hash.
pub async fn create<'c>(
    db: impl Executor<'c, Database = Any>,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<UserRecord, CreateUserError> {
    let now = unix_now();
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(email)
    .bind(display_name)
    .bind(password_hash)
    .bind(now)
    .execute(db)
    .await;
    match inserted {
        Ok(_) => Ok(UserRecord {
            id,
            email: email.to_owned(),
            display_name: display_name.to_owned(),
            password_hash: password_hash.to_owned(),
            email_verified_at: None,
        }),
        Err(err) if is_unique_violation(&err) => Err(CreateUserError::DuplicateEmail),
        Err(err) => Err(err.into()),
    }
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db_err| db_err.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

pub async fn find_by_email<'c>(
    db: impl Executor<'c, Database = Any>,
    email: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email)
        .fetch_optional(db)
        .await
}

pub async fn find_by_id<'c>(
    db: impl Executor<'c, Database = Any>,
    id: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn set_display_name<'c>(
    db: impl Executor<'c, Database = Any>,
    id: &str,
    display_name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3")
        .bind(display_name)
        .bind(unix_now())
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Sets the password hash; answers the account's address (for its notice).
pub async fn set_password_hash<'c>(
    db: impl Executor<'c, Database = Any>,
    id: &str,
    password_hash: &str,
) -> Result<String, sqlx::Error> {
    let (email,) = sqlx::query_as(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 RETURNING email",
    )
    .bind(password_hash)
    .bind(unix_now())
    .bind(id)
    .fetch_one(db)
    .await?;
    Ok(email)
}

/// Marks `email` proven for the account `id`, if it is still the account's
/// address (a link for an address it has since left proves nothing).
pub async fn mark_verified<'c>(
    db: impl Executor<'c, Database = Any>,
    id: &str,
    email: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1), updated_at = $1 \
         WHERE id = $2 AND email = $3",
    )
    .bind(unix_now())
    .bind(id)
    .bind(email)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Switches the account to `email`, proven by its link; answers the address
/// it had (None: no such account), or `DuplicateEmail` if another account
/// took `email` meanwhile (the unique index decides, at this moment). Runs
/// in the caller's transaction, which should already hold the write lock.
pub async fn change_email(
    conn: &mut AnyConnection,
    id: &str,
    email: &str,
) -> Result<Option<String>, CreateUserError> {
    let Some(old) = find_by_id(&mut *conn, id).await? else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(email)
    .bind(unix_now())
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(|err| match is_unique_violation(&err) {
        true => CreateUserError::DuplicateEmail,
        false => err.into(),
    })?;
    Ok(Some(old.email))
}

/// Deletes the user and, through the schema's cascades, everything that is
/// theirs: sessions, API keys and their counts, checkouts, usage reports and
/// the activity log. One statement, so nothing is left half-deleted.
/// Answers the address it had, if the account existed.
pub async fn delete<'c>(
    db: impl Executor<'c, Database = Any>,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let deleted: Option<(String,)> =
        sqlx::query_as("DELETE FROM users WHERE id = $1 RETURNING email")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(deleted.map(|(email,)| email))
}

/// Whether signing in to `user_id` needs a second step (an authenticator
/// app is on). Here, below both, because confirming who is signed in
/// (`reauth`) and setting the factor up (`second_factor`) ask it.
pub async fn uses_two_step(db: &sqlx::AnyPool, user_id: &str) -> Result<bool, sqlx::Error> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM totp_factors WHERE user_id = $1 AND enabled_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(count > 0)
}
