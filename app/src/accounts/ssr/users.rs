//! The users table. `UserRecord` holds the password hash and so is never
//! serialised; pages get `CurrentUser`.

use crate::accounts::CurrentUser;
use crate::support::time::unix_now;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, FromRow)]
pub struct UserRecord {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
}

impl UserRecord {
    pub fn current_user(&self) -> CurrentUser {
        CurrentUser {
            id: self.id.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("an account with this e-mail already exists")]
    DuplicateEmail,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const COLUMNS: &str = "id, email, display_name, password_hash";

/// `email` must be normalised and `password_hash` an argon2 hash.
pub async fn create(
    db: &AnyPool,
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
        }),
        Err(err)
            if err
                .as_database_error()
                .is_some_and(|db_err| db_err.kind() == sqlx::error::ErrorKind::UniqueViolation) =>
        {
            Err(CreateUserError::DuplicateEmail)
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn find_by_email(db: &AnyPool, email: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email)
        .fetch_optional(db)
        .await
}

pub async fn find_by_id(db: &AnyPool, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn set_display_name(
    db: &AnyPool,
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

pub async fn set_password_hash(
    db: &AnyPool,
    id: &str,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(unix_now())
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Deletes the user and, through the schema's cascades, everything that is
/// theirs: sessions, API keys and their counts, checkouts, usage reports and
/// the activity log. One statement, so nothing is left half-deleted.
pub async fn delete(db: &AnyPool, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
