//! Sends one file to the server's upload route with XMLHttpRequest, which
//! (unlike fetch) reports upload progress.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// The stored file, as the server describes it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Uploaded {
    pub id: String,
    pub name: String,
    pub mime: String,
    pub size: u64,
}

#[derive(serde::Deserialize)]
struct Refusal {
    error: String,
}

fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value)
        .as_string()
        .unwrap_or_default()
}

/// Uploads `file` for session `session_id` (answering question `ask`, if
/// given). `progress` gets the fraction sent (0 to 1); `done` gets the
/// stored file or the reason it was refused.
pub fn upload(
    session_id: &str,
    file: &web_sys::File,
    ask: Option<&str>,
    progress: impl Fn(f64) + 'static,
    done: impl FnOnce(Result<Uploaded, String>) + 'static,
) {
    let mut url = crate::root_path::href(&format!(
        "/api/sessions/{}/files?name={}",
        encode(session_id),
        encode(&file.name())
    ));
    if let Some(ask) = ask {
        url.push_str(&format!("&ask={}", encode(ask)));
    }
    // XMLHttpRequest, not fetch (nor gloo-net, which wraps fetch): only it
    // reports an upload's progress.
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        done(Err("the browser cannot upload files".into()));
        return;
    };
    if xhr.open("POST", &url).is_err() {
        done(Err("the upload could not start".into()));
        return;
    }
    if let Some(authorization) = crate::access::authorization() {
        let _ = xhr.set_request_header("Authorization", &authorization);
    }
    let on_progress =
        Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                progress(ev.loaded() / ev.total());
            }
        });
    if let Ok(target) = xhr.upload() {
        target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let finish = {
        let done = done.clone();
        move |result: Result<Uploaded, String>| {
            if let Some(done) = done.borrow_mut().take() {
                done(result);
            }
        }
    };
    let on_load = {
        let xhr = xhr.clone();
        let finish = finish.clone();
        Closure::<dyn Fn()>::new(move || {
            let status = xhr.status().unwrap_or(0);
            let text = xhr.response_text().ok().flatten().unwrap_or_default();
            let result = if (200..300).contains(&status) {
                serde_json::from_str::<Uploaded>(&text).map_err(|_| "unexpected reply".to_string())
            } else {
                Err(serde_json::from_str::<Refusal>(&text)
                    .map(|r| r.error)
                    .unwrap_or_else(|_| format!("the server answered {status}")))
            };
            finish(result);
        })
    };
    let on_error = Closure::<dyn Fn()>::new(move || finish(Err("the upload failed".into())));
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    if xhr.send_with_opt_blob(Some(file)).is_err() {
        if let Some(done) = done.borrow_mut().take() {
            done(Err("the upload could not start".into()));
        }
    }
    // The handlers must outlive this call; each is small and runs once.
    on_progress.forget();
    on_load.forget();
    on_error.forget();
}
