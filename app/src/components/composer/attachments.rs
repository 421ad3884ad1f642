//! Files on their way to the server: for the composer (attached to the next
//! message) or for a file question. Each is checked here first, so a
//! refusal shows at once, and uploaded with visible progress; the server
//! checks again and its refusal shows the same way.

use leptos::prelude::*;

use crate::i18n::t;
use crate::protocol::FileRules;
use crate::units::human_size;

/// Where an attachment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentState {
    Uploading,
    Ready,
    Refused,
}

impl AttachmentState {
    fn as_str(self) -> &'static str {
        match self {
            AttachmentState::Uploading => "uploading",
            AttachmentState::Ready => "ready",
            AttachmentState::Refused => "refused",
        }
    }
}

/// One file.
#[derive(Clone)]
pub struct Attachment {
    pub key: u64,
    pub name: String,
    pub size: u64,
    pub progress: RwSignal<f64>,
    pub state: RwSignal<AttachmentState>,
    /// The server's id, once stored.
    pub id: RwSignal<Option<String>>,
    pub reason: RwSignal<Option<String>>,
}

/// A set of attachments being prepared.
#[derive(Clone, Copy)]
pub struct Attachments {
    pub items: RwSignal<Vec<Attachment>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    next: StoredValue<u64>,
}

impl Default for Attachments {
    fn default() -> Self {
        Self::new()
    }
}

impl Attachments {
    pub fn new() -> Self {
        Attachments {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        }
    }

    /// Ids of the files stored and ready to send.
    pub fn ready_ids(&self) -> Vec<String> {
        self.items.with(|items| {
            items
                .iter()
                .filter(|a| a.state.get() == AttachmentState::Ready)
                .filter_map(|a| a.id.get())
                .collect()
        })
    }

    /// True while a file is still uploading.
    pub fn busy(&self) -> bool {
        self.items.with(|items| {
            items
                .iter()
                .any(|a| a.state.get() == AttachmentState::Uploading)
        })
    }

    pub fn clear(&self) {
        self.items.set(Vec::new());
    }

    fn remove(&self, key: u64) {
        self.items.update(|items| items.retain(|a| a.key != key));
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn push(&self, name: String, size: u64, refused: Option<String>) -> Attachment {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        let attachment = Attachment {
            key,
            name,
            size,
            progress: RwSignal::new(0.0),
            state: RwSignal::new(if refused.is_some() {
                AttachmentState::Refused
            } else {
                AttachmentState::Uploading
            }),
            id: RwSignal::new(None),
            reason: RwSignal::new(refused),
        };
        self.items.update(|items| items.push(attachment.clone()));
        attachment
    }

    /// Checks each file against `rules` and uploads those that pass, for
    /// `session_id` (answering `ask`, when given).
    #[cfg(feature = "hydrate")]
    pub fn add(
        &self,
        session_id: &str,
        files: Vec<web_sys::File>,
        rules: &FileRules,
        ask: Option<&str>,
    ) {
        for file in files {
            let size = file.size() as u64;
            let waiting = self.items.with_untracked(|items| {
                items
                    .iter()
                    .filter(|a| a.state.get_untracked() != AttachmentState::Refused)
                    .count()
            });
            let refused = precheck(rules, &file.name(), size, &file.type_(), waiting + 1)
                .err()
                .map(|refusal| refusal.message(&crate::i18n::i18n()));
            let attachment = self.push(file.name(), size, refused.clone());
            if refused.is_some() {
                continue;
            }
            let progress = attachment.progress;
            let (state, id, reason) = (attachment.state, attachment.id, attachment.reason);
            crate::client::upload::upload(
                session_id,
                &file,
                ask,
                move |fraction| progress.set(fraction),
                move |result| match result {
                    Ok(stored) => {
                        progress.set(1.0);
                        id.set(Some(stored.id));
                        state.set(AttachmentState::Ready);
                    }
                    Err(why) => {
                        reason.set(Some(why));
                        state.set(AttachmentState::Refused);
                    }
                },
            );
        }
    }
}

/// Checks a file before uploading it: size, count and type as the browser
/// sees them (the server checks the real content again).
pub fn precheck(
    rules: &FileRules,
    name: &str,
    size: u64,
    mime: &str,
    count: usize,
) -> Result<(), Refusal> {
    if count > rules.max_files as usize {
        return Err(Refusal::TooMany(rules.max_files));
    }
    if size > rules.max_size_bytes {
        return Err(Refusal::TooLarge(rules.max_size_bytes));
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| format!(".{}", ext.to_ascii_lowercase()));
    let accepted = rules.accept.is_empty()
        || rules.accept.iter().any(|pattern| {
            let pattern = pattern.trim().to_ascii_lowercase();
            pattern == "*/*"
                || pattern == "*"
                || (pattern.starts_with('.') && extension.as_deref() == Some(pattern.as_str()))
                || pattern
                    .strip_suffix("/*")
                    .is_some_and(|kind| mime.split('/').next() == Some(kind))
                || pattern == mime
        });
    if accepted {
        Ok(())
    } else {
        Err(Refusal::NotAccepted(rules.accept.join(", ")))
    }
}

/// Why the browser refused a file before uploading it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// More files than the limit (the limit).
    TooMany(u32),
    /// Larger than the limit (the limit in bytes).
    TooLarge(u64),
    /// Not one of the accepted types (the accepted patterns, listed).
    NotAccepted(String),
}

impl Refusal {
    /// What the attachment shows, in the page's language.
    pub fn message(&self, i18n: &crate::i18n::I18n) -> String {
        match self {
            Refusal::TooMany(max) => {
                i18n.t_with("composer.too_many", &[("count", &max.to_string())])
            }
            Refusal::TooLarge(max) => {
                i18n.t_with("composer.too_large", &[("size", &human_size(*max))])
            }
            Refusal::NotAccepted(types) => {
                i18n.t_with("composer.not_accepted", &[("types", types)])
            }
        }
    }
}

/// The attachments with their progress, refusal reasons and remove buttons.
#[component]
pub fn AttachmentList(attachments: Attachments) -> impl IntoView {
    view! {
        <Show when=move || attachments.items.with(|items| !items.is_empty())>
            <ul class="attachments">
                <For each=move || attachments.items.get() key=|a| a.key let:item>
                    {
                        let key = item.key;
                        let state = item.state;
                        let progress = item.progress;
                        let reason = item.reason;
                        view! {
                            <li
                                class="attachment"
                                data-testid="attachment"
                                data-state=move || state.get().as_str()
                            >
                                <span class="attachment-name">{item.name.clone()}</span>
                                <span class="attachment-size">{human_size(item.size)}</span>
                                <Show when=move || state.get() == AttachmentState::Uploading>
                                    <progress
                                        class="upload-progress"
                                        data-testid="upload-progress"
                                        max="1"
                                        prop:value=move || progress.get()
                                    ></progress>
                                </Show>
                                {move || reason.get().map(|why| view! {
                                    <span class="attachment-error" data-testid="attachment-error" role="alert">{why}</span>
                                })}
                                <button
                                    type="button"
                                    class="icon-btn"
                                    data-testid="attachment-remove"
                                    title=t("composer.remove")
                                    aria-label=t("composer.remove")
                                    on:click=move |_| attachments.remove(key)
                                >
                                    "×"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prechecks_size_count_and_type() {
        let rules = FileRules {
            accept: vec!["image/*".into(), ".csv".into()],
            max_size_bytes: 1024,
            max_files: 2,
        };
        assert!(precheck(&rules, "a.png", 10, "image/png", 1).is_ok());
        assert!(precheck(&rules, "a.CSV", 10, "", 1).is_ok());
        assert_eq!(
            precheck(&rules, "a.pdf", 10, "application/pdf", 1),
            Err(Refusal::NotAccepted("image/*, .csv".into()))
        );
        assert_eq!(
            precheck(&rules, "a.png", 2048, "image/png", 1),
            Err(Refusal::TooLarge(1024))
        );
        assert_eq!(
            precheck(&rules, "a.png", 10, "image/png", 3),
            Err(Refusal::TooMany(2))
        );
    }

    #[test]
    fn a_refusal_reads_in_the_page_language() {
        let mut tr = crate::i18n::Translations::default();
        tr.strings.insert(
            "composer.too_large".into(),
            "plus grand que la limite de {size}".into(),
        );
        let i18n = crate::i18n::I18n(tr.into());
        assert_eq!(
            Refusal::TooLarge(1024).message(&i18n),
            "plus grand que la limite de 1 KB"
        );
    }
}
