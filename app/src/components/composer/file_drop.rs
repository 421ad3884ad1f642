//! Where dropped, pasted and picked files go: to the open file question if
//! there is one, else to the composer's attachments (when attaching is on).

use super::Attachments;

/// The composer's attachments (the next message's files).
#[derive(Clone, Copy)]
pub struct ComposerFiles(pub Attachments);

/// The files answering the open file question.
#[derive(Clone, Copy)]
pub struct AskFiles(pub Attachments);

/// Takes files from a drop, a paste or a file picker.
#[cfg(feature = "hydrate")]
pub fn take_files(files: Vec<web_sys::File>) {
    use crate::client::ChatStore;
    use crate::protocol::{AskKind, UiConfig};
    use leptos::prelude::*;

    if files.is_empty() {
        return;
    }
    let store = expect_context::<ChatStore>();
    let Some(session) = store.session_id.get_untracked() else {
        store
            .notice
            .set(Some(crate::i18n::t("composer.not_connected")));
        return;
    };
    let ask = store.ask.get_untracked();
    if let Some(ask) = ask {
        if let AskKind::File(rules) = &ask.kind {
            expect_context::<AskFiles>()
                .0
                .add(&session, files, rules, Some(&ask.id));
            return;
        }
    }
    match expect_context::<UiConfig>().uploads {
        Some(rules) => expect_context::<ComposerFiles>()
            .0
            .add(&session, files, &rules, None),
        None => store
            .notice
            .set(Some(crate::i18n::t("composer.uploads_off"))),
    }
}

/// The files of a `FileList` (from an input, a drop or a paste).
#[cfg(feature = "hydrate")]
pub fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Takes the files chosen in a file input, and empties it so the same
/// file can be chosen again.
pub fn take_picked(picker: leptos::prelude::NodeRef<leptos::html::Input>) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::GetUntracked;
        if let Some(el) = picker.get_untracked() {
            take_files(file_list(el.files()));
            el.set_value("");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = picker;
}

/// Handlers that make an area accept dropped files.
pub fn on_drag_over(ev: leptos::ev::DragEvent) {
    ev.prevent_default();
}

pub fn on_drop(ev: leptos::ev::DragEvent) {
    ev.prevent_default();
    #[cfg(feature = "hydrate")]
    take_files(file_list(ev.data_transfer().and_then(|d| d.files())));
}
