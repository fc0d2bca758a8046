//! Asking the signed-in user for their password again before a change that
//! a borrowed session must not make alone (the address, deleting the
//! account, the password itself).

use super::{passwords, users};
use crate::accounts::{Field, FieldError};
use crate::error::AppError;
use crate::state::AppState;

/// `password` is the signed-in user's, or `wrong` (on the current-password field).
pub async fn check_password(
    state: &AppState,
    user_id: &str,
    password: String,
    wrong: &'static str,
) -> Result<(), AppError> {
    let user = users::find_by_id(&state.db, user_id)
        .await
        .map_err(AppError::dependency_failed("checking a password failed"))?
        .ok_or(AppError::SignedOut)?;
    if passwords::verify_password(password, Some(user.password_hash)).await {
        Ok(())
    } else {
        Err(AppError::Invalid(FieldError::new(
            Field::CurrentPassword,
            wrong,
        )))
    }
}
