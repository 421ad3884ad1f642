//! What the user is writing, shared by the composer and what fills it (a
//! starter), so that a starter sends or fills a message as the user would.

use leptos::prelude::*;

/// The message being written: its text, the command picked for it, and
/// whether it is to go as soon as the app can send (Enter pressed, or a
/// starter clicked, while not yet hydrated or connected).
#[derive(Clone, Copy)]
pub struct Draft {
    pub text: RwSignal<String>,
    pub pending: RwSignal<bool>,
    pub command: RwSignal<Option<String>>,
}

impl Default for Draft {
    fn default() -> Self {
        Self::new()
    }
}

impl Draft {
    /// A draft holding what was typed (or clicked) before hydration.
    pub fn new() -> Self {
        let early = early_input();
        Draft {
            text: RwSignal::new(early.text),
            pending: RwSignal::new(early.enter),
            command: RwSignal::new(early.command),
        }
    }

    /// Puts `message` in the composer, with `command`; it goes as soon as
    /// the app can send unless `fill` leaves it for the user to finish.
    pub fn start(&self, message: String, command: Option<String>, fill: bool) {
        self.text.set(message);
        self.command.set(command);
        if !fill {
            self.pending.set(true);
        }
    }
}

/// The composer's state from before hydration: the browser may have shown
/// the server's page for seconds on a slow link, and what the user typed
/// there, or the starter they clicked (the early script in `shell.rs`
/// marks both), must not be lost.
struct Early {
    text: String,
    enter: bool,
    command: Option<String>,
}

fn early_input() -> Early {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let document = document();
        let hydrated = document
            .document_element()
            .is_some_and(|root| root.has_attribute("data-hydrated"));
        let area = document
            .query_selector("textarea[data-testid=composer-input]")
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
        if let (false, Some(area)) = (hydrated, area) {
            let enter = area.has_attribute("data-pending-send");
            let command = area.get_attribute("data-pending-command");
            let _ = area.remove_attribute("data-pending-send");
            let _ = area.remove_attribute("data-pending-command");
            return Early {
                text: area.value(),
                enter,
                command,
            };
        }
    }
    Early {
        text: String::new(),
        enter: false,
        command: None,
    }
}
