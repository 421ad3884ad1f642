//! Sign-in attempts, rate-limited per account and per client address
//! (GCRA, `governor`), so guessing passwords is slow for one account from
//! many addresses and for many accounts from one address.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota};

/// Keys kept before the limiter forgets the ones back at full allowance.
const MAX_TRACKED_KEYS: usize = 10_000;

/// Attempts allowed per minute, with bursts of as many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// For one account (default 10).
    pub per_account_per_minute: u32,
    /// From one client address (default 30).
    pub per_client_per_minute: u32,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_account_per_minute: 10,
            per_client_per_minute: 30,
        }
    }
}

/// Which limit an attempt is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Throttled {
    Account,
    Client,
}

pub(crate) struct LoginLimiter {
    accounts: DefaultKeyedRateLimiter<String>,
    clients: DefaultKeyedRateLimiter<IpAddr>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl LoginLimiter {
    pub(crate) fn new(limits: LoginLimits) -> LoginLimiter {
        LoginLimiter {
            accounts: governor::RateLimiter::keyed(per_minute(limits.per_account_per_minute)),
            clients: governor::RateLimiter::keyed(per_minute(limits.per_client_per_minute)),
        }
    }

    /// Counts one attempt for `account` from `client`; `Err` when either is
    /// over its limit (the attempt is then not made).
    pub(crate) fn check(&self, account: &str, client: IpAddr) -> Result<(), Throttled> {
        if self.accounts.len() > MAX_TRACKED_KEYS {
            self.accounts.retain_recent();
        }
        if self.clients.len() > MAX_TRACKED_KEYS {
            self.clients.retain_recent();
        }
        self.clients
            .check_key(&client)
            .map_err(|_| Throttled::Client)?;
        let account = account.trim().to_lowercase();
        self.accounts
            .check_key(&account)
            .map_err(|_| Throttled::Account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_and_an_address_are_each_held_to_their_rate() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_account_per_minute: 3,
            per_client_per_minute: 5,
        });
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            assert_eq!(limiter.check("alice", a), Ok(()));
        }
        // Alice from anywhere is over; case does not make a new account.
        assert_eq!(limiter.check("Alice", b), Err(Throttled::Account));
        // Others from a still can, until a's own limit.
        assert_eq!(limiter.check("bob", a), Ok(()));
        assert_eq!(limiter.check("carol", a), Ok(()));
        assert_eq!(limiter.check("dave", a), Err(Throttled::Client));
    }
}
