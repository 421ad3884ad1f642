//! Ids of threads, steps, runs and users.

/// A new id: a UUID whose leading bits are the creation time (version 7).
///
/// Time-ordered ids land next to each other in SQLite's indexes, so a write
/// dirties a few recent pages instead of one random page per row; the random
/// part (74 bits) keeps them unguessable.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_sort_by_creation() {
        let ids: Vec<String> = (0..1000).map(|_| new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ids);
    }
}
