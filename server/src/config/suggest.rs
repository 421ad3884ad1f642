//! "Did you mean …?" hints for misspelled keys and variable names.

/// The candidate closest to `input`, ignoring case, if it is close enough to
/// be a plausible typo: at most one edit per three characters of the
/// candidate, between 1 and 2, so short names do not match everything.
pub(super) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (distance(&input, &candidate.to_lowercase()), candidate))
        .filter(|(d, candidate)| *d <= (candidate.chars().count() / 3).clamp(1, 2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars (single-row dynamic programming).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("nme", "name"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("abc", ""), 3);
    }

    #[test]
    fn closest_finds_typos_only() {
        let keys = ["name", "description", "cot"];
        assert_eq!(closest("nme", keys), Some("name"));
        assert_eq!(closest("NAME", keys), Some("name"));
        assert_eq!(closest("theme", keys), None);
        // Two edits are too many for a three-letter name.
        assert_eq!(closest("cto", keys), None);
        assert_eq!(closest("ab", ["UI"]), None);
        assert_eq!(closest("ui", ["UI"]), Some("UI"));
    }
}
