//! Accounts: finding the account a person signs in with, checking and setting passwords
//! (argon2id), the secrets of API tokens, and the audit entries of signing in. The guards
//! against guessing (counts per address and per account) are the web edge's, which owns the
//! doors they guard (`motcua_web::rate_limit`).

use argon2::password_hash::PasswordHasher;
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use chrono::NaiveDateTime;
use motcua_store::{Store, UserRecord};
use sha2::{Digest, Sha256};

use crate::AppError;

/// A password hash that no password matches, verified when the user does not exist so that both
/// failures take the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4k1sOnbJ7Yr5KKc9i1P1y6yqPQ2Z6m4cKqbtWfJm1bA";

/// The key an account is counted under: a phone number in its one written form, anything else
/// lowercased, so that "0908 446524" and "(0908)-446524" are the same account.
pub fn normalised_username(username: &str) -> String {
    let username = username.trim();
    match motcua_domain::types::PhoneNumber::parse(username) {
        Ok(phone) => phone.as_str().to_owned(),
        Err(_) => motcua_domain::text::nfc(username).to_lowercase(),
    }
}

/// The account someone names to sign in: by username as typed, then in its normalised form
/// (a phone number written another way), then a citizen's e-mail address.
pub async fn find_account(store: &dyn Store, username: &str) -> Result<Option<UserRecord>, AppError> {
    let username = username.trim();
    let mut user = store.user_by_username(username).await?;
    let account = normalised_username(username);
    if user.is_none() && account != username {
        user = store.user_by_username(&account).await?;
    }
    if user.is_none() && username.contains('@') {
        user = store.citizen_by_email(username).await?;
    }
    Ok(user)
}

/// Whether `password` is the user's; with no user, the same work against a hash nothing matches.
/// Runs off the async threads (argon2 takes tens of milliseconds on purpose).
pub async fn password_matches(user: Option<&UserRecord>, password: &str) -> Result<bool, AppError> {
    let hash = user.map_or(DUMMY_HASH, |u| u.password_hash.as_str()).to_owned();
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// The argon2id hash (PHC string, random salt, the crate's default parameters) of a password.
pub fn hash_password_now(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// [`hash_password_now`] off the async threads.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// A new secret (a session's token, a form's CSRF token): 32 bytes from the OS generator, hex.
pub fn random_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A new API token: a [`random_secret`] with a prefix that secret scanners know.
pub fn new_token() -> String {
    format!("mc_{}", random_secret())
}

/// What is stored of a token or session secret: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Records a successful sign-in (`via` the web or an API token).
pub async fn audit_sign_in(
    store: &dyn Store,
    user: &UserRecord,
    via: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let what = ("sign_in", format!("user:{}", user.id));
    Ok(crate::audit::record(store, user.agency_id, Some(user.id), what, serde_json::json!({ "via": via }), now).await?)
}

/// Records that a person signed out (their session ended at their request).
pub async fn audit_sign_out(
    store: &dyn Store,
    actor: &motcua_domain::org::Actor,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let what = ("sign_out", format!("user:{}", actor.user_id));
    let agency_id = actor.grants.first().map(|g| g.agency_id);
    Ok(crate::audit::record(store, agency_id, Some(actor.user_id), what, serde_json::json!({}), now).await?)
}

/// Records a failed sign-in under the account's normalised name (never the password).
pub async fn audit_sign_in_failed(store: &dyn Store, account: &str, now: NaiveDateTime) -> Result<(), AppError> {
    let what = ("sign_in_failed", format!("user:{account}"));
    Ok(crate::audit::record(store, None, None, what, serde_json::json!({}), now).await?)
}

/// The username of the citizen account a person (or an organisation) identified by the national
/// identity has here: `vneid-<12-digit citizen ID>`, or `mst-<tax code>`. Dossiers filed on the
/// national portal and national sign-in find the same account.
pub fn national_username(kind: motcua_domain::dossier::ApplicantKind, number: &str) -> String {
    match kind {
        motcua_domain::dossier::ApplicantKind::Person => format!("vneid-{number}"),
        motcua_domain::dossier::ApplicantKind::Organisation => format!("mst-{number}"),
    }
}

/// Whether an account is one identified by the national identity (VNeID).
pub fn is_national(user: &UserRecord) -> bool {
    user.citizen && (user.username.starts_with("vneid-") || user.username.starts_with("mst-"))
}

/// The citizen account of a national identity, made on first sight with no password (one signs
/// in to it only through the national identity). Made meanwhile by another server: theirs.
pub async fn national_account(
    store: &dyn Store,
    username: &str,
    name: &str,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<UserRecord, AppError> {
    if let Some(u) = store.user_by_username(username).await? {
        return Ok(u);
    }
    let user = UserRecord {
        id: uuid::Uuid::now_v7(),
        agency_id: None,
        username: username.to_owned(),
        full_name: name.to_owned(),
        password_hash: "!".into(),
        citizen: true,
        phone: phone.map(str::to_owned),
        email: email.map(str::to_owned),
        active: true,
    };
    match store.insert_user(&user).await {
        Ok(()) => Ok(user),
        Err(e) => store.user_by_username(username).await?.ok_or(e.into()),
    }
}
