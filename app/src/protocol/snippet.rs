use serde::{Deserialize, Serialize};

/// The passage of a thread that best matches a history search, as plain
/// text with the matched words marked by ranges (never HTML: the browser
/// renders the text as text nodes and each range in a `<mark>`).
///
/// `marks` are `[start, end)` offsets in Unicode scalar values (Rust
/// `char`s; `Array.from(text)` indices in JavaScript), in order and not
/// overlapping. A range that breaks these rules is ignored by [`Snippet::parts`].
///
/// ```
/// use loquat_app::protocol::Snippet;
/// let snippet = Snippet { text: "…the café deployment".into(), marks: vec![(10, 20)] };
/// assert_eq!(snippet.parts(), [("…the café ", false), ("deployment", true)]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Snippet {
    pub text: String,
    #[serde(default)]
    pub marks: Vec<(u32, u32)>,
}

impl Snippet {
    /// The text cut at the marks: `(piece, marked)` in order, covering the
    /// whole text. Ranges out of order, overlapping, empty or past the end
    /// are skipped.
    pub fn parts(&self) -> Vec<(&str, bool)> {
        // Byte offset of every char boundary, so char offsets map to slices.
        let bounds: Vec<usize> = self
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain([self.text.len()])
            .collect();
        let byte = |offset: u32| bounds.get(usize::try_from(offset).ok()?).copied();
        let mut parts = Vec::new();
        let mut done = 0;
        for &(start, end) in &self.marks {
            let (Some(from), Some(to)) = (byte(start), byte(end)) else {
                continue;
            };
            if from < done || to <= from {
                continue;
            }
            if from > done {
                parts.push((&self.text[done..from], false));
            }
            parts.push((&self.text[from..to], true));
            done = to;
        }
        if done < self.text.len() {
            parts.push((&self.text[done..], false));
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(text: &str, marks: &[(u32, u32)]) -> Snippet {
        Snippet {
            text: text.into(),
            marks: marks.to_vec(),
        }
    }

    #[test]
    fn marks_count_characters_not_bytes() {
        let s = snippet("Ünïcode café rocks", &[(0, 7), (8, 12)]);
        assert_eq!(
            s.parts(),
            [
                ("Ünïcode", true),
                (" ", false),
                ("café", true),
                (" rocks", false)
            ]
        );
    }

    #[test]
    fn bad_ranges_are_skipped_never_a_panic() {
        let s = snippet("abcdef", &[(4, 5), (1, 2), (3, 3), (5, 99), (u32::MAX, 1)]);
        assert_eq!(s.parts(), [("abcd", false), ("e", true), ("f", false)]);
        assert_eq!(snippet("", &[(0, 1)]).parts(), []);
        assert_eq!(snippet("ab", &[]).parts(), [("ab", false)]);
    }

    #[test]
    fn it_travels_as_text_and_pairs() {
        let s = snippet("a b", &[(2, 3)]);
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert_eq!(json, r#"{"text":"a b","marks":[[2,3]]}"#);
        assert_eq!(serde_json::from_str::<Snippet>(&json).ok(), Some(s));
    }
}
