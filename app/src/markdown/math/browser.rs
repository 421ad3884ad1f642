//! The browser's side of LaTeX: the formulas the server rendered, and the
//! ones asked for. A render that meets a formula it does not have shows
//! its source, asks the server (one `render_math` per batch, sent after
//! the render), and is run again when markup arrives, because it tracked
//! [`ARRIVED`].

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use leptos::prelude::{ArcTrigger, Notify, Track};

use crate::protocol::{ClientEvent, MathSource, RenderedMath, MAX_MATH_PER_REQUEST};

/// Most formulas kept; past it the cache starts over (what is on screen
/// stays, as markup; a formula met again is asked for again).
const MAX_CACHED: usize = 2_000;

#[derive(Default)]
struct Cache {
    ready: HashMap<MathSource, String>,
    /// Asked for (or about to be), not answered yet.
    asked: HashSet<MathSource>,
    /// To send once the render that met them is done.
    queue: Vec<MathSource>,
    /// A request could not be sent (no connection): renders waiting for
    /// markup ask again once one is open.
    unsent: bool,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::default();
    /// Notified when markup arrives, or a connection opens after a request
    /// could not be sent.
    static ARRIVED: ArcTrigger = ArcTrigger::new();
}

/// The markup of `$tex$` (`$$tex$$` when `display`), if the browser has
/// it; otherwise it is asked for, and the caller (a reactive render) runs
/// again when it comes.
pub(super) fn to_mathml(tex: &str, display: bool) -> Option<String> {
    let key = MathSource {
        tex: tex.to_string(),
        display,
    };
    let (found, first_asked) = CACHE.with_borrow_mut(|cache| {
        if let Some(html) = cache.ready.get(&key) {
            return (Some(html.clone()), false);
        }
        if !cache.asked.insert(key.clone()) {
            return (None, false);
        }
        cache.queue.push(key);
        (None, cache.queue.len() == 1)
    });
    if found.is_none() {
        track();
        if first_asked {
            // After the render: every formula it meets goes in one request.
            leptos::task::spawn_local(async { send_queue() });
        }
    }
    found
}

/// The calling render runs again when markup arrives.
pub(crate) fn track() {
    ARRIVED.with(|arrived| arrived.track());
}

fn send_queue() {
    let queue = CACHE.with_borrow_mut(|cache| std::mem::take(&mut cache.queue));
    for batch in queue.chunks(MAX_MATH_PER_REQUEST) {
        let formulas = batch.to_vec();
        if !crate::client::send(ClientEvent::RenderMath { formulas }) {
            CACHE.with_borrow_mut(|cache| {
                for formula in batch {
                    cache.asked.remove(formula);
                }
                cache.unsent = true;
            });
        }
    }
}

/// The server's answer to `render_math`.
pub(crate) fn arrived(formulas: Vec<RenderedMath>) {
    CACHE.with_borrow_mut(|cache| {
        if cache.ready.len() + formulas.len() > MAX_CACHED {
            cache.ready.clear();
        }
        for RenderedMath { tex, display, html } in formulas {
            let key = MathSource { tex, display };
            cache.asked.remove(&key);
            cache.ready.insert(key, html);
        }
    });
    ARRIVED.with(|arrived| arrived.notify());
}

/// A connection is open: formulas that could not be asked for, and those
/// whose answer the last connection did not bring (it dropped, or the
/// request was refused), are asked for again: their renders run again.
pub(crate) fn connected() {
    let retry = CACHE.with_borrow_mut(|cache| {
        let retry = std::mem::take(&mut cache.unsent) || !cache.asked.is_empty();
        cache.asked.clear();
        retry
    });
    if retry {
        ARRIVED.with(|arrived| arrived.notify());
    }
}
