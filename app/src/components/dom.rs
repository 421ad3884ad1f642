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
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let response = JsFuture::from(leptos::prelude::window().fetch_with_str(url))
        .await
        .map_err(|_| "the server could not be reached".to_string())?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "unexpected reply".to_string())?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    let text = response
        .text()
        .map_err(|_| "unreadable reply".to_string())?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| "unreadable reply".to_string())
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

/// Local "HH:MM" of a timestamp (UTC on the server, which never renders
/// live messages).
pub(crate) fn format_time(millis: u64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64));
        format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let minutes = millis / 60_000;
        format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
    }
}

/// ISO-8601 UTC of a timestamp, for `<time datetime>`.
pub(crate) fn iso_time(millis: u64) -> String {
    let secs = millis / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (proleptic Gregorian), for dates after 1970.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_time_formats_utc() {
        assert_eq!(super::iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso_time(1_795_000_000_000), "2026-11-18T11:06:40Z");
    }
}
