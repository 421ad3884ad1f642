//! The signing secret of session and bearer tokens: `LOQUAT_AUTH_SECRET`.

use base64::Engine;

/// The environment variable holding the secret.
pub const SECRET_ENV: &str = "LOQUAT_AUTH_SECRET";

/// Fewest bytes a secret must have: HS256 keys shorter than the hash
/// (32 bytes) weaken it.
pub const MIN_SECRET_BYTES: usize = 32;

/// Why the secret cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error(
        "logins are configured but {SECRET_ENV} is not set: run `loquat create-secret` and \
         set {SECRET_ENV} to what it prints (every server of the app needs the same value)"
    )]
    Missing,
    #[error(
        "{SECRET_ENV} is too short ({0} bytes); it needs {MIN_SECRET_BYTES} or more: \
         `loquat create-secret` prints one"
    )]
    TooShort(usize),
}

/// The secret, checked for length. Its bytes never appear in `Debug`.
#[derive(Clone)]
pub struct AuthSecret(Vec<u8>);

impl std::fmt::Debug for AuthSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthSecret(…)")
    }
}

impl AuthSecret {
    /// A secret from its text.
    ///
    /// ```
    /// use loquat::auth::AuthSecret;
    ///
    /// assert!(AuthSecret::new("too short").is_err());
    /// assert!(AuthSecret::new(&loquat::auth::create_secret()).is_ok());
    /// ```
    pub fn new(text: &str) -> Result<AuthSecret, SecretError> {
        let bytes = text.trim().as_bytes();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort(bytes.len()));
        }
        Ok(AuthSecret(bytes.to_vec()))
    }

    /// The secret from `LOQUAT_AUTH_SECRET`.
    pub fn from_env() -> Result<AuthSecret, SecretError> {
        match std::env::var(SECRET_ENV) {
            Ok(text) if !text.trim().is_empty() => AuthSecret::new(&text),
            _ => Err(SecretError::Missing),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A new random secret (48 bytes, base64url): what `loquat create-secret`
/// prints.
pub fn create_secret() -> String {
    let mut bytes = [0u8; 48];
    // The OS's generator failing leaves no safe way to go on.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
