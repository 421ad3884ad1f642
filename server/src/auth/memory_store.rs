//! [`MemoryAuthStore`]: sign-ins kept in the process, for apps without the
//! embedded data layer. A restart signs everyone out.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use loquat_app::protocol::Millis;

use super::store::{AuthStore, LoginSession, PasswordUser, StoredPassword};
use crate::data::DataResult;

/// Sign-ins and password users in memory.
#[derive(Default)]
pub struct MemoryAuthStore {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    logins: HashMap<String, LoginSession>,
    /// identifier → (display name, hash, created).
    passwords: HashMap<String, (Option<String>, String, Millis)>,
    valid_after: HashMap<String, Millis>,
}

impl MemoryAuthStore {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl AuthStore for MemoryAuthStore {
    async fn create_login(&self, login: &LoginSession) -> DataResult<()> {
        let mut state = self.state();
        let now = login.created_at;
        state.logins.retain(|_, l| l.expires_at > now);
        state.logins.insert(login.key_hash.clone(), login.clone());
        Ok(())
    }

    async fn login(&self, key_hash: &str, now: Millis) -> DataResult<Option<LoginSession>> {
        Ok(self
            .state()
            .logins
            .get(key_hash)
            .filter(|l| l.expires_at > now)
            .cloned())
    }

    async fn end_login(&self, key_hash: &str) -> DataResult<bool> {
        Ok(self.state().logins.remove(key_hash).is_some())
    }

    async fn end_logins_of(&self, identifier: &str, now: Millis) -> DataResult<u64> {
        let mut state = self.state();
        let before = state.logins.len();
        state.logins.retain(|_, l| l.user.identifier != identifier);
        state.valid_after.insert(identifier.to_string(), now);
        Ok((before - state.logins.len()) as u64)
    }

    async fn tokens_valid_after(&self, identifier: &str) -> DataResult<Millis> {
        Ok(self
            .state()
            .valid_after
            .get(identifier)
            .copied()
            .unwrap_or(0))
    }

    async fn set_password(
        &self,
        identifier: &str,
        display_name: Option<&str>,
        password_hash: &str,
    ) -> DataResult<bool> {
        let mut state = self.state();
        let created_at = state
            .passwords
            .get(identifier)
            .map_or_else(crate::time::now_millis, |(_, _, at)| *at);
        let entry = (
            display_name.map(str::to_string),
            password_hash.to_string(),
            created_at,
        );
        Ok(state
            .passwords
            .insert(identifier.to_string(), entry)
            .is_none())
    }

    async fn password_user(&self, identifier: &str) -> DataResult<Option<StoredPassword>> {
        Ok(self
            .state()
            .passwords
            .get(identifier)
            .map(|(display_name, hash, _)| StoredPassword {
                hash: hash.clone(),
                display_name: display_name.clone(),
            }))
    }

    async fn remove_password(&self, identifier: &str, now: Millis) -> DataResult<bool> {
        let removed = self.state().passwords.remove(identifier).is_some();
        if removed {
            self.end_logins_of(identifier, now).await?;
        }
        Ok(removed)
    }

    async fn password_users(&self) -> DataResult<Vec<PasswordUser>> {
        let mut users: Vec<PasswordUser> = self
            .state()
            .passwords
            .iter()
            .map(|(identifier, (display_name, _, created_at))| PasswordUser {
                identifier: identifier.clone(),
                display_name: display_name.clone(),
                created_at: *created_at,
            })
            .collect();
        users.sort_by(|a, b| a.identifier.cmp(&b.identifier));
        Ok(users)
    }
}
