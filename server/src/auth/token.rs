//! Signed tokens (HS256 JWTs with the auth secret).
//!
//! Two kinds share the format:
//! - a **session token**, in the session cookie: names a sign-in (`sid`)
//!   kept on the server, so logging out or removing the user ends it at
//!   once, and stays small whatever the identity provider sent (a few
//!   hundred bytes; the profile lives with the sign-in, not in the cookie);
//! - a **bearer token**, for programs and embedding sites: Chainlit's
//!   claims (`identifier`, `metadata`, `exp`), minted by the app's own
//!   backend with the same secret, sent as `Authorization: Bearer …` or
//!   exchanged for a session at `POST /auth/jwt`. It is void once its user
//!   is removed or signed out everywhere (`iat` before that moment).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{AuthSecret, User};

/// Longest token accepted, in bytes: bounds the work of a forged header.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Seconds of clock difference tolerated on `exp`.
const LEEWAY_SECS: u64 = 5;

/// The claims of both kinds of token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's identifier.
    pub identifier: String,
    /// Bearer tokens: the app's data about the user.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Bearer tokens: the name to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issued at, seconds since the Unix epoch (0 when the issuer left it out).
    #[serde(default)]
    pub iat: u64,
    /// Session tokens: the sign-in it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl Claims {
    /// The user a bearer token speaks for.
    pub fn user(&self) -> User {
        User {
            identifier: self.identifier.clone(),
            display_name: self.display_name.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

/// Why a token was refused (never shown in detail to the client).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is larger than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(String),
}

/// Signs and checks tokens with one secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(…)")
    }
}

impl TokenKeys {
    /// Keys from the secret.
    pub fn new(secret: &AuthSecret) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.bytes()),
            decoding: DecodingKey::from_secret(secret.bytes()),
            validation,
        }
    }

    /// A signed token with these claims.
    ///
    /// ```
    /// use loquat::auth::{create_secret, AuthSecret, Claims, TokenKeys};
    ///
    /// let keys = TokenKeys::new(&AuthSecret::new(&create_secret()).unwrap());
    /// let claims = Claims {
    ///     identifier: "alice".into(),
    ///     metadata: Default::default(),
    ///     display_name: None,
    ///     exp: 4_102_444_800, // 2100-01-01
    ///     iat: 0,
    ///     sid: None,
    /// };
    /// let token = keys.sign(&claims).unwrap();
    /// assert_eq!(keys.verify(&token).unwrap().identifier, "alice");
    /// ```
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|err| TokenError::Invalid(err.to_string()))
    }

    /// The claims of a token signed with this secret and not expired.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_value(token)
    }

    /// Signs any claims with an `exp` (the OAuth flow's own state).
    pub(crate) fn sign_value<T: Serialize>(&self, claims: &T) -> Result<String, TokenError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|err| TokenError::Invalid(err.to_string()))
    }

    /// The claims of a token [`TokenKeys::sign_value`] made, unexpired.
    pub(crate) fn verify_value<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<T, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        match jsonwebtoken::decode::<T>(token, &self.decoding, &self.validation) {
            Ok(data) => Ok(data.claims),
            Err(err) => match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => Err(TokenError::Expired),
                _ => Err(TokenError::Invalid(err.to_string())),
            },
        }
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    crate::time::now_millis() / 1000
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&AuthSecret::new(secret).unwrap())
    }

    fn claims(exp: u64) -> Claims {
        Claims {
            identifier: "alice".into(),
            metadata: Default::default(),
            display_name: None,
            exp,
            iat: now_secs(),
            sid: Some("s".into()),
        }
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const OTHER: &str = "fedcba9876543210fedcba9876543210";

    #[test]
    fn a_token_verifies_with_its_own_secret_only() {
        let token = keys(SECRET).sign(&claims(now_secs() + 60)).unwrap();
        assert_eq!(keys(SECRET).verify(&token).unwrap(), claims_of(&token));
        assert!(matches!(
            keys(OTHER).verify(&token),
            Err(TokenError::Invalid(_))
        ));
    }

    fn claims_of(token: &str) -> Claims {
        keys(SECRET).verify(token).unwrap()
    }

    #[test]
    fn expired_tampered_and_oversized_tokens_are_refused() {
        let expired = keys(SECRET).sign(&claims(now_secs() - 60)).unwrap();
        assert_eq!(keys(SECRET).verify(&expired), Err(TokenError::Expired));

        let token = keys(SECRET).sign(&claims(now_secs() + 60)).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        use base64::Engine;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Claims {
                identifier: "mallory".into(),
                ..claims(now_secs() + 60)
            })
            .unwrap(),
        );
        parts[1] = &forged;
        assert!(matches!(
            keys(SECRET).verify(&parts.join(".")),
            Err(TokenError::Invalid(_))
        ));

        let none_alg = format!(
            "{}.{}.",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(r#"{"alg":"none","typ":"JWT"}"#),
            forged
        );
        assert!(keys(SECRET).verify(&none_alg).is_err());
        assert_eq!(
            keys(SECRET).verify(&"a".repeat(MAX_TOKEN_BYTES + 1)),
            Err(TokenError::TooLarge)
        );
    }
}
