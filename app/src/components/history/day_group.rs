//! Which heading a thread is listed under: the day of its last activity in
//! the browser's time zone, counted back from today; or, for the results of
//! a search (ranked by relevance, not by day), one heading for them all.

use crate::protocol::ThreadSummary;

const DAY_MS: f64 = 86_400_000.0;

/// A heading of the history list, in display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum DayGroup {
    /// The results of a search, in the server's order.
    Results,
    Today,
    Yesterday,
    Previous7Days,
    Previous30Days,
    Older,
}

impl DayGroup {
    /// The translation key of the heading shown.
    pub(super) fn label_key(self) -> &'static str {
        match self {
            DayGroup::Results => "history.results",
            DayGroup::Today => "history.today",
            DayGroup::Yesterday => "history.yesterday",
            DayGroup::Previous7Days => "history.previous_7_days",
            DayGroup::Previous30Days => "history.previous_30_days",
            DayGroup::Older => "history.older",
        }
    }

    /// The group of something `days` calendar days old (the future counts
    /// as today).
    fn for_age(days: i64) -> Self {
        match days {
            ..=0 => DayGroup::Today,
            1 => DayGroup::Yesterday,
            2..=7 => DayGroup::Previous7Days,
            8..=30 => DayGroup::Previous30Days,
            _ => DayGroup::Older,
        }
    }
}

/// One heading and its threads, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct DaySection {
    pub group: DayGroup,
    pub threads: Vec<ThreadSummary>,
}

/// Splits a list into its sections, in display order; `today` is
/// [`today`]'s value.
pub(super) fn group_threads(threads: &[ThreadSummary], today: i64) -> Vec<DaySection> {
    let mut sections: Vec<DaySection> = Vec::new();
    for thread in threads {
        let group = DayGroup::for_age(today - local_day(thread.updated_at as f64));
        match sections.iter_mut().find(|s| s.group == group) {
            Some(section) => section.threads.push(thread.clone()),
            None => sections.push(DaySection {
                group,
                threads: vec![thread.clone()],
            }),
        }
    }
    sections.sort_by_key(|s| s.group);
    sections
}

/// A search's results: one section, in the order given (best first).
pub(super) fn search_results(threads: &[ThreadSummary]) -> Vec<DaySection> {
    if threads.is_empty() {
        return Vec::new();
    }
    vec![DaySection {
        group: DayGroup::Results,
        threads: threads.to_vec(),
    }]
}

/// The local calendar day of the current time.
pub(super) fn today() -> i64 {
    local_day(now())
}

/// Days since 1970-01-01 of a timestamp, in the browser's time zone.
fn local_day(millis: f64) -> i64 {
    day_number(millis, timezone_offset(millis))
}

/// Days since 1970-01-01 of a timestamp, in a zone `offset_minutes` behind
/// UTC (the sign of `Date.getTimezoneOffset`).
fn day_number(millis: f64, offset_minutes: f64) -> i64 {
    ((millis - offset_minutes * 60_000.0) / DAY_MS).floor() as i64
}

/// `Date.getTimezoneOffset` at that moment (so daylight saving counts).
#[cfg(feature = "hydrate")]
fn timezone_offset(millis: f64) -> f64 {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis)).get_timezone_offset()
}

/// The server never groups (it renders the list empty): UTC.
#[cfg(not(feature = "hydrate"))]
fn timezone_offset(_millis: f64) -> f64 {
    0.0
}

#[cfg(feature = "hydrate")]
fn now() -> f64 {
    js_sys::Date::now()
}

#[cfg(not(feature = "hydrate"))]
fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400_000;

    fn thread(id: &str, updated_at: u64) -> ThreadSummary {
        ThreadSummary {
            id: id.into(),
            name: id.into(),
            created_at: updated_at,
            updated_at,
            snippet: None,
        }
    }

    #[test]
    fn ages_map_to_headings() {
        assert_eq!(DayGroup::for_age(-1), DayGroup::Today);
        assert_eq!(DayGroup::for_age(0), DayGroup::Today);
        assert_eq!(DayGroup::for_age(1), DayGroup::Yesterday);
        assert_eq!(DayGroup::for_age(2), DayGroup::Previous7Days);
        assert_eq!(DayGroup::for_age(7), DayGroup::Previous7Days);
        assert_eq!(DayGroup::for_age(8), DayGroup::Previous30Days);
        assert_eq!(DayGroup::for_age(30), DayGroup::Previous30Days);
        assert_eq!(DayGroup::for_age(31), DayGroup::Older);
    }

    #[test]
    fn days_follow_the_time_zone() {
        // 2024-01-02T01:00Z is still January 1st in New York (UTC-5).
        let millis = 1_704_157_200_000.0;
        assert_eq!(day_number(millis, 0.0), 19_724);
        assert_eq!(day_number(millis, 300.0), 19_723);
        assert_eq!(day_number(millis, -60.0), 19_724);
    }

    #[test]
    fn threads_are_grouped_in_display_order() {
        let today = 20_000;
        let at = |days_ago: u64| (today as u64 - days_ago) * DAY + 1000;
        let threads = [
            thread("a", at(0)),
            thread("b", at(0)),
            thread("c", at(1)),
            thread("d", at(40)),
            thread("e", at(3)),
        ];
        let sections = group_threads(&threads, today);
        let shape: Vec<(DayGroup, Vec<&str>)> = sections
            .iter()
            .map(|s| (s.group, s.threads.iter().map(|t| t.id.as_str()).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (DayGroup::Today, vec!["a", "b"]),
                (DayGroup::Yesterday, vec!["c"]),
                (DayGroup::Previous7Days, vec!["e"]),
                (DayGroup::Older, vec!["d"]),
            ]
        );
        assert!(group_threads(&[], today).is_empty());
    }
}
