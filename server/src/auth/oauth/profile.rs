//! The default [`User`] for a provider's answer, before the app's
//! `Loquat::oauth` callback sees it.
//!
//! The identifier is the e-mail address only when the provider vouches for
//! it (`email_verified`); otherwise it is `<subject>@<provider>`, so an
//! unverified address can never take over another user's conversations.

use serde_json::{Map, Value};

use crate::auth::User;

/// The default user from the claims (ID token merged with user info).
pub(crate) fn default_user(provider: &str, claims: &Map<String, Value>) -> Option<User> {
    let text = |key: &str| {
        claims
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let verified = matches!(claims.get("email_verified"), Some(Value::Bool(true)))
        || matches!(claims.get("email_verified"), Some(Value::String(s)) if s == "true");
    let subject = text("sub")?;
    let identifier = match text("email") {
        Some(email) if verified => email.to_string(),
        _ => format!("{subject}@{provider}"),
    };
    let display_name = text("name")
        .or_else(|| text("preferred_username"))
        .map(str::to_string);
    let mut user = User::new(identifier).metadata("provider", provider);
    user.display_name = display_name;
    if let Some(image) = text("picture") {
        user = user.metadata("image", image);
    }
    Some(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(value: serde_json::Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn only_a_verified_email_becomes_the_identifier() {
        let verified = claims(serde_json::json!({
            "sub": "42", "email": "a@example.com", "email_verified": true,
            "name": "Ann", "picture": "https://example.com/a.png"
        }));
        let user = default_user("google", &verified).unwrap_or_else(|| User::new("none"));
        assert_eq!(user.identifier, "a@example.com");
        assert_eq!(user.name(), "Ann");
        assert_eq!(user.image(), Some("https://example.com/a.png"));
        let unverified = claims(serde_json::json!({ "sub": "42", "email": "a@example.com" }));
        let user = default_user("keycloak", &unverified).unwrap_or_else(|| User::new("none"));
        assert_eq!(user.identifier, "42@keycloak");
        assert!(default_user("x", &claims(serde_json::json!({}))).is_none());
    }
}
