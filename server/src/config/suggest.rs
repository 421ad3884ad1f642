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
        .map(|candidate| {
            let distance = strsim::levenshtein(&input, &candidate.to_lowercase());
            (distance, candidate)
        })
        .filter(|(d, candidate)| *d <= (candidate.chars().count() / 3).clamp(1, 2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

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
