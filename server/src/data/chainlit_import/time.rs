//! Chainlit's timestamps (ISO 8601 text, e.g. `2024-05-01T12:30:00.123Z`)
//! as Loquat's epoch milliseconds.

use chrono::{DateTime, NaiveDateTime};
use loquat_app::protocol::Millis;

/// Milliseconds since the epoch of an ISO 8601 date-time (`T` or a space
/// between date and time); a missing zone is UTC (Chainlit writes UTC).
/// `None` when the text is not one.
pub fn iso_millis(text: &str) -> Option<Millis> {
    let text = text.trim();
    // RFC 3339 wants the `T`; Chainlit's SQL layers also write a space.
    let text = match text.as_bytes().get(10) {
        Some(b' ') => format!("{}T{}", &text[..10], &text[11..]),
        _ => text.to_string(),
    };
    let millis = DateTime::parse_from_rfc3339(&text)
        .or_else(|_| DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|at| at.timestamp_millis())
        .or_else(|_| {
            NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|at| at.and_utc().timestamp_millis())
        })
        .ok()?;
    Millis::try_from(millis).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chainlit_timestamps_become_epoch_millis() {
        assert_eq!(iso_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            iso_millis("2024-05-01T12:30:00.123Z"),
            Some(1_714_566_600_123)
        );
        assert_eq!(
            iso_millis("2024-05-01T12:30:00.123456"),
            Some(1_714_566_600_123)
        );
        assert_eq!(
            iso_millis("2024-05-01 14:30:00+02:00"),
            Some(1_714_566_600_000)
        );
        assert_eq!(iso_millis("2000-02-29T00:00:00.5Z"), Some(951_782_400_500));
        assert_eq!(
            iso_millis("2024-05-01T14:30:00+0200"),
            Some(1_714_566_600_000)
        );
    }

    #[test]
    fn other_text_is_not_a_time() {
        for text in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-05-01",
            "2024-05-01T25:00:00Z",
        ] {
            assert_eq!(iso_millis(text), None, "{text}");
        }
    }
}
