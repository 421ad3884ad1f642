//! Ids of threads, steps, runs and users, and session tokens.

/// A new id: a UUID whose leading bits are the creation time (version 7).
///
/// Time-ordered ids land next to each other in SQLite's indexes, so a write
/// dirties a few recent pages instead of one random page per row; the random
/// part (74 bits) keeps them unguessable.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A new session token: 128 bits from the OS's generator, in hex. Unlike
/// [`new_id`] nothing in it is guessable (no time part); still, a token is
/// never enough on its own: a session also belongs to its user.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS generator does not fail where Loquat runs; should it, a
        // v7 UUID's 74 random bits are the fallback.
        return new_id().replace('-', "");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_random_bits() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        // No shared time prefix, as time-ordered ids have.
        assert_ne!(a[..8], b[..8]);
    }

    #[test]
    fn ids_are_unique_and_sort_by_creation() {
        let ids: Vec<String> = (0..1000).map(|_| new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ids);
    }
}
