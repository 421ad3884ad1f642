//! Small browser helpers shared by components; no-ops on the server.

/// Copies text to the clipboard.
pub(crate) fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let clipboard = leptos::prelude::window().navigator().clipboard();
        let _ = clipboard.write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// GETs `url` and returns its body text when the status is 2xx; the error
/// is a sentence for the user.
#[cfg(feature = "hydrate")]
pub(crate) async fn fetch_text(url: &str) -> Result<String, String> {
    let mut request = gloo_net::http::Request::get(url);
    if let Some(authorization) = crate::access::authorization() {
        request = request.header("Authorization", &authorization);
    }
    let response = request
        .send()
        .await
        .map_err(|_| "the server could not be reached".to_string())?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    response
        .text()
        .await
        .map_err(|_| "unreadable reply".to_string())
}

/// Loads a script once per page (a module when `module`); resolves when it
/// has run. Later calls for the same `src` share the first load.
#[cfg(feature = "hydrate")]
pub(crate) async fn load_script(src: &str, module: bool) -> Result<(), String> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use wasm_bindgen::JsCast;

    thread_local! {
        static LOADS: RefCell<HashMap<String, js_sys::Promise>> = RefCell::new(HashMap::new());
    }
    let existing = LOADS.with(|loads| loads.borrow().get(src).cloned());
    let promise = match existing {
        Some(promise) => promise,
        None => {
            let document = leptos::prelude::document();
            let script: web_sys::HtmlScriptElement = document
                .create_element("script")
                .map_err(|_| "cannot create a script".to_string())?
                .unchecked_into();
            if module {
                script.set_type("module");
            }
            script.set_src(src);
            let promise = js_sys::Promise::new(&mut |resolve, reject| {
                script.set_onload(Some(&resolve));
                script.set_onerror(Some(&reject));
            });
            document
                .head()
                .ok_or_else(|| "the page has no head".to_string())?
                .append_child(&script)
                .map_err(|_| "cannot add a script".to_string())?;
            LOADS.with(|loads| loads.borrow_mut().insert(src.to_string(), promise.clone()));
            promise
        }
    };
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| format!("{src} could not be loaded"))
}

/// A moment's calendar and clock fields.
struct Moment {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// 0 = Sunday.
    weekday: u32,
}

/// The fields of `millis` in UTC.
fn utc(millis: u64) -> Moment {
    let secs = millis / 1000;
    let days = (secs / 86_400) as i64;
    let rem = (secs % 86_400) as u32;
    // Civil-from-days (proleptic Gregorian), for dates after 1970.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Moment {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        hour: rem / 3600,
        minute: (rem / 60) % 60,
        second: rem % 60,
        // 1970-01-01 was a Thursday.
        weekday: ((days + 4).rem_euclid(7)) as u32,
    }
}

/// The fields of `millis` in the browser's time zone (UTC on the server,
/// which never renders live messages).
fn local(millis: u64) -> Moment {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64));
        Moment {
            year: i64::from(date.get_full_year()),
            month: date.get_month() + 1,
            day: date.get_date(),
            hour: date.get_hours(),
            minute: date.get_minutes(),
            second: date.get_seconds(),
            weekday: date.get_day(),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    utc(millis)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A message's time in `format` (`[UI] timestamp_format`, strftime's
/// `%H %M %S %I %p %d %e %m %b %a %Y %y %%`; anything else is kept as is),
/// with month and day names in the page's language (`time.months`,
/// `time.days`: twelve and seven names separated by spaces).
pub(crate) fn format_time(millis: u64, format: &str) -> String {
    let (months, days) = (crate::i18n::t("time.months"), crate::i18n::t("time.days"));
    let names = Names {
        months: names_of(&months, &MONTHS),
        days: names_of(&days, &DAYS),
    };
    render_time(&local(millis), format, &names)
}

/// Month and day names to write.
struct Names<'a> {
    months: Vec<&'a str>,
    days: Vec<&'a str>,
}

/// The names in `list` if it has as many as `english`, else the English ones.
fn names_of<'a>(list: &'a str, english: &[&'static str]) -> Vec<&'a str> {
    let names: Vec<&str> = list.split_whitespace().collect();
    if names.len() == english.len() {
        names
    } else {
        english.to_vec()
    }
}

fn render_time(t: &Moment, format: &str, names: &Names) -> String {
    let mut out = String::with_capacity(format.len() + 8);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let hour12 = if t.hour.is_multiple_of(12) {
            12
        } else {
            t.hour % 12
        };
        match chars.next() {
            Some('H') => out.push_str(&format!("{:02}", t.hour)),
            Some('M') => out.push_str(&format!("{:02}", t.minute)),
            Some('S') => out.push_str(&format!("{:02}", t.second)),
            Some('I') => out.push_str(&format!("{hour12:02}")),
            Some('p') => out.push_str(if t.hour < 12 { "AM" } else { "PM" }),
            Some('d') => out.push_str(&format!("{:02}", t.day)),
            Some('e') => out.push_str(&t.day.to_string()),
            Some('m') => out.push_str(&format!("{:02}", t.month)),
            Some('b') => out.push_str(names.months[(t.month as usize + 11) % 12]),
            Some('a') => out.push_str(names.days[t.weekday as usize % 7]),
            Some('Y') => out.push_str(&t.year.to_string()),
            Some('y') => out.push_str(&format!("{:02}", t.year.rem_euclid(100))),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// ISO-8601 UTC of a timestamp, for `<time datetime>`.
pub(crate) fn iso_time(millis: u64) -> String {
    let t = utc(millis);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_time_formats_utc() {
        assert_eq!(super::iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso_time(1_795_000_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn timestamps_follow_the_format() {
        let t = super::utc(1_795_000_000_000);
        let english = super::Names {
            months: super::MONTHS.to_vec(),
            days: super::DAYS.to_vec(),
        };
        assert_eq!(super::render_time(&t, "%H:%M", &english), "11:06");
        assert_eq!(
            super::render_time(&t, "%a %e %b %Y, %I:%M:%S %p (%y-%m-%d) 100%% %q", &english),
            "Wed 18 Nov 2026, 11:06:40 AM (26-11-18) 100% %q"
        );
    }

    #[test]
    fn month_and_day_names_come_from_the_language() {
        let t = super::utc(1_795_000_000_000);
        let months = "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.";
        let french = super::Names {
            months: super::names_of(months, &super::MONTHS),
            days: super::names_of("dim. lun. mar. mer. jeu. ven. sam.", &super::DAYS),
        };
        assert_eq!(super::render_time(&t, "%a %e %b", &french), "mer. 18 nov.");
        // A list of the wrong length falls back to English.
        assert_eq!(
            super::names_of("a b c", &super::MONTHS),
            super::MONTHS.to_vec()
        );
    }
}
