//! The user's `[project] user_env` values: kept in this browser's local
//! storage only, sent with every `hello` so the session has them.

use crate::protocol::UserEnv;

const KEY: &str = "loquat.user_env";

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

/// The saved values.
pub fn load() -> UserEnv {
    #[cfg(feature = "hydrate")]
    {
        if let Some(text) = storage().and_then(|s| s.get_item(KEY).ok().flatten()) {
            return serde_json::from_str(&text).unwrap_or_default();
        }
    }
    UserEnv::default()
}

/// Saves the values (empty ones are dropped) and reconnects, so the
/// session gets them at once.
pub fn save(store: super::ChatStore, env: UserEnv) {
    let env = UserEnv(
        env.0
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .collect(),
    );
    #[cfg(feature = "hydrate")]
    {
        if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(&env)) {
            let _ = storage.set_item(KEY, &text);
        }
        super::socket::resend_hello(store);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (store, env, KEY);
}
