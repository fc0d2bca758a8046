//! `/v1/api-keys`: keys managing keys. Every operation goes through the
//! rules of `app::api_keys::ssr::service` that the /keys page uses, with
//! the calling key as the caller: it creates and changes only keys with
//! no more power than its own.

use super::{ApiError, ApiJson, BodyRefused, ErrorEnvelope, KeyRefused};
use app::actor::{ActingKey, Actor};
use app::api_keys::ssr::service;
use app::api_keys::ssr::{KeyChange, KeyRecord, KeySettings};
use app::api_keys::{Access, KeyAllowance, Permissions, ResourceAccess};
use app::error::AppError;
use app::state::AppState;
use app::support::time::{moment, rfc3339, unix_now};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoResponses, ToSchema};

/// A permission level of one resource.
#[derive(Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    None,
    Read,
    Write,
}

impl From<AccessLevel> for Access {
    fn from(level: AccessLevel) -> Self {
        match level {
            AccessLevel::None => Self::None,
            AccessLevel::Read => Self::Read,
            AccessLevel::Write => Self::Write,
        }
    }
}

impl From<Access> for AccessLevel {
    fn from(access: Access) -> Self {
        match access {
            Access::None => Self::None,
            Access::Read => Self::Read,
            Access::Write => Self::Write,
        }
    }
}

#[derive(Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Everything, including resources added later.
    Full,
    /// Every `GET`.
    ReadOnly,
}

/// A level per resource; resources left out get `none`.
#[derive(Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestrictedAccess {
    #[serde(default = "no_access")]
    account: AccessLevel,
    #[serde(default = "no_access")]
    api_keys: AccessLevel,
    #[serde(default = "no_access")]
    usage: AccessLevel,
}

fn no_access() -> AccessLevel {
    AccessLevel::None
}

/// `"full"`, `"read_only"`, or `{"account": …, "api_keys": …, "usage": …}`
/// with `"none"`, `"read"` or `"write"` each.
#[derive(Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum KeyPermissions {
    Preset(Preset),
    Restricted(#[serde(deserialize_with = "object_only")] RestrictedAccess),
}

/// serde's derived structs also take a JSON array, field by field in
/// order (`[]` would be "no access to anything"); the document says object.
fn object_only<'de, D: Deserializer<'de>>(input: D) -> Result<RestrictedAccess, D::Error> {
    use serde::de::Error as _;
    let fields = serde_json::Map::<String, serde_json::Value>::deserialize(input)?;
    RestrictedAccess::deserialize(serde_json::Value::Object(fields)).map_err(D::Error::custom)
}

impl From<KeyPermissions> for Permissions {
    fn from(wire: KeyPermissions) -> Self {
        match wire {
            KeyPermissions::Preset(Preset::Full) => Self::Full,
            KeyPermissions::Preset(Preset::ReadOnly) => Self::ReadOnly,
            KeyPermissions::Restricted(levels) => Self::Restricted(ResourceAccess {
                account: levels.account.into(),
                api_keys: levels.api_keys.into(),
                usage: levels.usage.into(),
            }),
        }
    }
}

impl From<Permissions> for KeyPermissions {
    fn from(permissions: Permissions) -> Self {
        match permissions {
            Permissions::Full => Self::Preset(Preset::Full),
            Permissions::ReadOnly => Self::Preset(Preset::ReadOnly),
            Permissions::Restricted(levels) => Self::Restricted(RestrictedAccess {
                account: levels.account.into(),
                api_keys: levels.api_keys.into(),
                usage: levels.usage.into(),
            }),
        }
    }
}

/// The secret before the last roll, while its grace period lasts.
#[derive(Serialize, ToSchema)]
struct PreviousSecret {
    prefix: String,
    /// RFC 3339: when it stops working.
    #[schema(format = DateTime)]
    expires_at: String,
}

#[derive(Serialize, ToSchema)]
struct RateLimit {
    reads_per_minute: u32,
    changes_per_minute: u32,
}

/// A key, without its secret: what it may do, from where, until when, and
/// its last use.
#[derive(Serialize, ToSchema)]
pub struct ApiKey {
    id: String,
    name: String,
    /// The start and the last 4 characters: `tp_live_sk_a1B2…o5P6`.
    prefix: String,
    permissions: KeyPermissions,
    #[schema(format = DateTime)]
    created_at: String,
    /// RFC 3339, or `null`: never expires.
    #[schema(format = DateTime, required = true)]
    expires_at: Option<String>,
    /// A disabled key answers 401 (`disabled`) until enabled again.
    disabled: bool,
    /// CIDR ranges the key may be used from; empty: any address.
    allowed_networks: Vec<String>,
    /// RFC 3339, or `null`: never used.
    #[schema(format = DateTime, required = true)]
    last_used_at: Option<String>,
    /// The client address of the last recorded use, or `null`: never used.
    #[schema(required = true)]
    last_used_address: Option<String>,
    /// The secret before the last roll while it still works, else `null`.
    #[schema(required = true)]
    previous_secret: Option<PreviousSecret>,
    rate_limit: RateLimit,
}

fn timestamp(unix: i64) -> String {
    rfc3339(moment(unix))
}

impl ApiKey {
    fn new(record: KeyRecord, allowance: KeyAllowance) -> Self {
        let previous_secret =
            record
                .previous_until(unix_now())
                .map(|(prefix, until)| PreviousSecret {
                    prefix: prefix.to_owned(),
                    expires_at: timestamp(until),
                });
        Self {
            permissions: record.permissions().into(),
            allowed_networks: record.networks().texts(),
            previous_secret,
            id: record.id,
            name: record.name,
            prefix: record.masked,
            created_at: timestamp(record.created_at),
            expires_at: record.expires_at.map(timestamp),
            disabled: record.disabled_at.is_some(),
            last_used_at: record.last_used_at.map(timestamp),
            last_used_address: record.last_used_address,
            rate_limit: RateLimit {
                reads_per_minute: allowance.reads_per_minute,
                changes_per_minute: allowance.changes_per_minute,
            },
        }
    }
}

/// `{"items": [ApiKey]}`: the active keys (disabled and expired ones too,
/// until revoked).
#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    items: Vec<ApiKey>,
}

/// A key with its secret in `key`: the only answer that ever carries it.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    api_key: ApiKey,
    /// The whole secret, to send as `X-API-Key`: shown this once, never again.
    key: String,
}

/// What every operation on one key may answer besides the key checks
/// (`KeyRefused`, whose 403 this one extends). Only described; see
/// `BodyRefused`.
#[derive(IntoResponses)]
#[allow(dead_code)]
enum OneKeyRefused {
    #[response(
        status = 403,
        description = "`details.reason` is `missing_permission` (`api_keys:write`), `network_not_allowed`, or `escalation`: the key has more access than the calling key"
    )]
    Forbidden(ErrorEnvelope),
    #[response(status = 404, description = "No such key of yours")]
    NotFound(ErrorEnvelope),
}

fn created(state: &AppState, (record, key): (KeyRecord, String)) -> Response {
    let api_key = ApiKey::new(record, state.key_allowance);
    (StatusCode::CREATED, Json(ApiKeyCreated { api_key, key })).into_response()
}

/// List the account's keys
///
/// Every key not revoked, with its masked prefix (the secret is never shown again), permissions, expiry, networks and last use.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    tag = "API keys",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Keys not revoked, masked (needs `api_keys:read`)", body = ApiKeyList),
        KeyRefused,
    )
)]
pub async fn list_keys(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<ApiKeyList>, ApiError> {
    let records = service::records(&state, &actor).await?;
    let items = records
        .into_iter()
        .map(|record| ApiKey::new(record, state.key_allowance))
        .collect();
    Ok(Json(ApiKeyList { items }))
}

// The document's maximum above, as a literal: utoipa takes no constant.
const _: () = assert!(service::MAX_LIFETIME_DAYS == 1825);

/// A whole number of days that may be absent (`None`) or `null` (`Some(None)`).
fn present_days<'de, D: Deserializer<'de>>(input: D) -> Result<Option<Option<i64>>, D::Error> {
    #[derive(Deserialize)]
    struct Days(#[serde(deserialize_with = "super::json::whole_number")] i64);
    Option::<Days>::deserialize(input).map(|days| Some(days.map(|Days(days)| days)))
}

/// Optional body of `POST /v1/api-keys`.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "CI deploys", "permissions": "read_only", "expires_in_days": 30}))]
pub struct CreateKeyBody {
    /// 1 to 64 characters; "API key" when left out.
    name: Option<String>,
    /// The calling key's own permissions when left out.
    permissions: Option<KeyPermissions>,
    /// Days until the key expires, 1 to 1825 (five years), or `null` for
    /// never; 90 when left out. Never later than the calling key's own
    /// expiry: left out, it is capped there; asked for, it is refused (403
    /// `escalation`).
    #[serde(default, deserialize_with = "present_days")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1825)]
    expires_in_days: Option<Option<i64>>,
    /// CIDR ranges such as `203.0.113.0/24`; the calling key's own when
    /// left out; `[]` for any address.
    allowed_networks: Option<Vec<String>>,
}

fn networks(ranges: &[String]) -> Result<app::support::networks::Networks, ApiError> {
    Ok(service::check_networks(&ranges.join(" "))?)
}

impl CreateKeyBody {
    /// The new key's settings: what the body names, the calling key's own
    /// for what it leaves out.
    fn settings(self, caller: &ActingKey, now: i64) -> Result<KeySettings, ApiError> {
        let name = service::clean_name(self.name.as_deref().unwrap_or("API key"))?;
        let expires_at = match self.expires_in_days {
            None => Some(match caller.expires_at {
                Some(limit) => limit.min(service::default_expiry(now)),
                None => service::default_expiry(now),
            }),
            Some(None) => None,
            Some(Some(days)) => Some(service::expiry_in_days(days, now)?),
        };
        Ok(KeySettings {
            name,
            permissions: self
                .permissions
                .map_or(caller.permissions, Permissions::from),
            expires_at: service::check_expiry(expires_at, now)?,
            networks: match self.allowed_networks {
                Some(ranges) => networks(&ranges)?,
                None => caller.networks.clone(),
            },
        })
    }
}

/// Create a key
///
/// The answer holds the new secret in `key`, the only time it is shown. A key cannot create a key with more access, a later expiry or wider networks than its own.
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    tag = "API keys",
    security(("api_key" = [])),
    request_body(content = Option<CreateKeyBody>, content_type = "application/json", description = "Optional: without a body, or with `{}`, every default applies"),
    responses(
        (status = 201, description = "The new key, shown this once (needs `api_keys:write`)", body = ApiKeyCreated),
        BodyRefused,
        KeyRefused,
        (status = 403, description = "`details.reason` is `missing_permission` (`api_keys:write`), `network_not_allowed`, `escalation` (more power than the calling key: access, expiry or networks), `email_unverified` (no confirmed e-mail address) or `subscription_required` (no active plan)", body = ErrorEnvelope),
        (status = 409, description = "20 active keys already", body = ErrorEnvelope),
        (status = 422, description = "An invalid name, permissions, expiry or range, or an unknown field; `details.field` names it", body = ErrorEnvelope),
        (status = 503, description = "The plan could not be checked or the key stored; nothing was created", body = ErrorEnvelope),
    )
)]
pub async fn create_key(
    State(state): State<AppState>,
    actor: Actor,
    // No body means every default, as `{}` does.
    body: Option<ApiJson<CreateKeyBody>>,
) -> Result<Response, ApiError> {
    let body = body.map(|ApiJson(body)| body).unwrap_or_default();
    let key = actor.key().ok_or(AppError::SignedOut)?;
    let settings = body.settings(key, unix_now())?;
    let made = service::create(&state, &actor, &settings).await?;
    Ok(created(&state, made))
}

/// Body of `PATCH /v1/api-keys/{id}`: what to change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"allowed_networks": ["203.0.113.0/24", "2001:db8::/32"]}))]
pub struct UpdateKeyBody {
    /// `true` disables the key (it answers 401 with `details.reason` =
    /// `disabled`); `false` enables it again.
    disabled: Option<bool>,
    /// Replaces the key's ranges; `[]` for any address.
    allowed_networks: Option<Vec<String>>,
}

/// Change a key
///
/// Disable or enable it, or replace its allowed networks. Fields left out stay as they are.
#[utoipa::path(
    patch,
    path = "/v1/api-keys/{id}",
    tag = "API keys",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The key's id")),
    request_body(content = UpdateKeyBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The key as changed (needs `api_keys:write`)", body = ApiKey),
        BodyRefused,
        KeyRefused,
        OneKeyRefused,
        (status = 422, description = "An invalid range or an unknown field", body = ErrorEnvelope),
    )
)]
pub async fn update_key(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateKeyBody>,
) -> Result<Json<ApiKey>, ApiError> {
    // Checked before anything changes: a bad range changes nothing.
    let ranges = body.allowed_networks.as_deref().map(networks).transpose()?;
    let change = KeyChange {
        disabled: body.disabled,
        networks: ranges.as_ref(),
    };
    service::change(&state, &actor, &id, change).await?;
    let record = service::record(&state, &actor, &id).await?;
    Ok(Json(ApiKey::new(record, state.key_allowance)))
}

/// Body of `POST /v1/api-keys/{id}/roll`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grace_period_seconds": 3600}))]
pub struct RollKeyBody {
    /// How long the old secret keeps working: 0 (it stops now) to 604800
    /// (7 days). An expired key's old secret gets none.
    #[schema(minimum = 0, maximum = 604800)]
    #[serde(deserialize_with = "super::json::whole_number")]
    grace_period_seconds: i64,
    /// While the secret before the last roll is still in its grace period,
    /// a roll is refused (409, `details.reason` = `grace_period_running`)
    /// unless this is `true`: then that older secret stops at once.
    #[serde(default)]
    end_previous_grace: bool,
}

/// Roll a key
///
/// Gives the key a new secret and a fresh lifetime, keeping its id, name and settings. The old secret keeps working for the grace period, so deployments can switch without downtime.
#[utoipa::path(
    post,
    path = "/v1/api-keys/{id}/roll",
    tag = "API keys",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The key's id")),
    request_body(content = RollKeyBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The key with its new secret, shown this once; `previous_secret` says until when the old one works (needs `api_keys:write`)", body = ApiKeyCreated),
        BodyRefused,
        KeyRefused,
        OneKeyRefused,
        (status = 409, description = "`details.reason` is `grace_period_running`: the secret before the last roll still works; send `end_previous_grace: true` to stop it now", body = ErrorEnvelope),
        (status = 422, description = "`grace_period_seconds` missing or out of range", body = ErrorEnvelope),
    )
)]
pub async fn roll_key(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RollKeyBody>,
) -> Result<Response, ApiError> {
    let (grace, end_previous) = (body.grace_period_seconds, body.end_previous_grace);
    let rolled = service::roll(&state, &actor, &id, grace, end_previous).await?;
    Ok(created(&state, rolled))
}

/// End a grace period now
///
/// The rolled key's old secret stops working at once.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}/previous-secret",
    tag = "API keys",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "The old secret of the last roll stopped working now (needs `api_keys:write`)"),
        KeyRefused,
        OneKeyRefused,
        (status = 404, description = "No such key of yours, or no old secret still working", body = ErrorEnvelope),
    )
)]
pub async fn end_grace(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::end_grace(&state, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke a key
///
/// The key answers 401 (`revoked`) from its very next use. Revoking cannot be undone.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    tag = "API keys",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked: it answers 401 from the next request on (needs `api_keys:write`)"),
        KeyRefused,
        OneKeyRefused,
    )
)]
pub async fn revoke_key(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::revoke(&state, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
