//! Chainlit's timestamps (ISO 8601 text, e.g. `2024-05-01T12:30:00.123Z`)
//! as Loquat's epoch milliseconds.

use loquat_app::protocol::Millis;

/// Milliseconds since the epoch of an ISO 8601 date-time; a missing zone
/// is UTC (Chainlit writes UTC). `None` when the text is not one.
pub fn iso_millis(text: &str) -> Option<Millis> {
    let text = text.trim();
    let (date, rest) = text.split_at_checked(10)?;
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (time, offset_minutes) = split_zone(rest)?;
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut hms = hms.split(':');
    let hour: i64 = hms.next()?.parse().ok()?;
    let minute: i64 = hms.next()?.parse().ok()?;
    let second: i64 = hms.next().map_or(Some(0), |s| s.parse().ok())?;
    if hour > 23 || minute > 59 || second > 60 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis: i64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    let total = seconds.checked_mul(1000)?.checked_add(millis)?;
    Millis::try_from(total).ok()
}

/// The time part and the zone's offset from UTC in minutes.
fn split_zone(rest: &str) -> Option<(&str, i64)> {
    if let Some(time) = rest.strip_suffix(['Z', 'z']) {
        return Some((time, 0));
    }
    match rest.rfind(['+', '-']) {
        Some(at) => {
            let (time, zone) = rest.split_at(at);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 && digits.len() != 2 {
                return None;
            }
            let hours: i64 = digits.get(..2)?.parse().ok()?;
            let minutes: i64 = digits
                .get(2..)
                .filter(|m| !m.is_empty())
                .map_or(Some(0), |m| m.parse().ok())?;
            Some((time, sign * (hours * 60 + minutes)))
        }
        None => Some((rest, 0)),
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
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
