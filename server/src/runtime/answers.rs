//! What the user sends: messages (with attached files) and answers to the
//! app's questions. Each is checked against what the session expects, then
//! written into the thread as a user message before the hook sees it.

use std::sync::Arc;

use loquat_app::protocol::{
    check_values, command_id_ok, AskAnswer, AskKind, Element, ErrorCode, FormField, Step, StepType,
    COMMAND_KEY, MAX_COMMAND_CHARS,
};

use super::runner::RunRequest;
use super::session::{Session, Upload};
use crate::sdk::{kind_for, Message, UploadedFile};
use crate::time::now_millis;

use super::Refusal;

fn refuse(code: ErrorCode, why: impl Into<String>) -> Refusal {
    Refusal::new(code, why)
}

/// Refuses `bytes` more of the user's text once the thread's text in
/// memory has reached [`crate::SessionLimits::max_thread_bytes`].
fn room_for(session: &Session, bytes: usize) -> Result<(), Refusal> {
    let max = session.runtime.limits.sessions.max_thread_bytes;
    if session.text_bytes() + bytes > max {
        return Err(refuse(
            ErrorCode::ThreadFull,
            format!(
                "this conversation has reached its size limit ({}); start a new chat",
                loquat_app::units::human_size(max as u64)
            ),
        ));
    }
    Ok(())
}

/// A message typed (or files attached) in the composer: the answer to a
/// pending text question, or a new turn for `on_message`.
pub(crate) async fn send(
    session: &Arc<Session>,
    content: String,
    files: Vec<String>,
    command: Option<String>,
) -> Result<(), Refusal> {
    if content.trim().is_empty() && files.is_empty() {
        return Err(refuse(ErrorCode::EmptyMessage, "the message is empty"));
    }
    let mut metadata = serde_json::Map::new();
    if let Some(command) = command {
        if !command_id_ok(&command) {
            return Err(refuse(
                ErrorCode::MalformedFrame,
                format!("a command id is 1 to {MAX_COMMAND_CHARS} characters, none of them control characters"),
            ));
        }
        metadata.insert(COMMAND_KEY.into(), serde_json::Value::String(command));
    }
    room_for(session, content.len())?;
    let uploads = if files.is_empty() {
        Vec::new()
    } else {
        let max = session
            .runtime
            .config
            .features
            .spontaneous_file_upload
            .max_files as usize;
        if files.len() > max {
            return Err(refuse(
                ErrorCode::InvalidAnswer,
                format!("at most {max} files can be sent with a message"),
            ));
        }
        session.take_uploads(&files, None).ok_or_else(|| {
            refuse(
                ErrorCode::InvalidAnswer,
                "a file was not uploaded for this chat",
            )
        })?
    };
    let pending = session
        .pending_ask()
        .filter(|ask| matches!(ask.kind, AskKind::Text));
    if pending.is_none() && !session.has_queue_room() {
        // Refused before it is posted: nothing shows that will not run.
        return Err(refuse(
            ErrorCode::RateLimited,
            "too many messages are waiting for an answer; send this one when they are done",
        ));
    }
    // A new turn that `on_message` answers: its message is written marked
    // as having a run open, so the run's start writes nothing.
    let run_follows = pending.is_none() && session.runtime.hooks.on_message.is_some();
    let Some(message) = post(session, content.clone(), &uploads, metadata, run_follows).await
    else {
        if run_follows {
            session.mark_run(false);
        }
        return Err(refuse(ErrorCode::Storage, "the message could not be saved"));
    };
    // A question that timed out meanwhile leaves an ordinary message.
    let answered = pending.is_some_and(|ask| session.answer(&ask.id, AskAnswer::Text { content }));
    if !answered {
        let queued = session
            .enqueue(RunRequest::Message(Box::new(message)))
            .is_ok();
        if run_follows && !queued {
            // The mark was written for a run that will not come (the chat
            // ended meanwhile, or the queue filled up: then the runs
            // queued keep it).
            session.mark_run(false);
        }
    }
    Ok(())
}

/// The user's answer to question `id`.
pub(crate) async fn answer(
    session: &Arc<Session>,
    id: &str,
    answer: AskAnswer,
) -> Result<(), Refusal> {
    let ask = session
        .pending_ask()
        .filter(|ask| ask.id == id)
        .ok_or_else(|| refuse(ErrorCode::InvalidAnswer, "that question is not waiting"))?;
    let delivered = match (&ask.kind, answer) {
        (AskKind::Text, AskAnswer::Text { content }) => {
            if content.trim().is_empty() {
                return Err(refuse(ErrorCode::EmptyMessage, "the answer is empty"));
            }
            room_for(session, content.len())?;
            post(session, content.clone(), &[], Default::default(), false).await;
            AskAnswer::Text { content }
        }
        (AskKind::Action { actions }, AskAnswer::Action { action_id }) => {
            let chosen = actions
                .iter()
                .find(|a| a.id == action_id)
                .ok_or_else(|| refuse(ErrorCode::InvalidAnswer, "that choice was not offered"))?;
            let label = chosen.label.clone();
            let _ = session
                .update_step(&ask.for_id, |step| {
                    step.output.push_str(&format!("\n\n**Selected:** {label}"));
                })
                .await;
            AskAnswer::Action { action_id }
        }
        (AskKind::File(rules), AskAnswer::File { files }) => {
            if files.is_empty() || files.len() > rules.max_files as usize {
                return Err(refuse(
                    ErrorCode::InvalidAnswer,
                    format!("send 1 to {} files", rules.max_files),
                ));
            }
            let uploads = session.take_uploads(&files, Some(id)).ok_or_else(|| {
                refuse(
                    ErrorCode::InvalidAnswer,
                    "a file was not uploaded for this question",
                )
            })?;
            let names: Vec<&str> = uploads.iter().map(|u| u.name.as_str()).collect();
            let message = post(
                session,
                names.join(", "),
                &uploads,
                Default::default(),
                false,
            )
            .await;
            let ids = message
                .map(|m| m.files.iter().map(|f| f.id.clone()).collect())
                .unwrap_or_default();
            AskAnswer::File { files: ids }
        }
        (AskKind::Form { fields, rules }, AskAnswer::Form { values }) => {
            check_form(fields, &values)?;
            if let Some(rule) = rules.iter().find(|rule| !rule.holds(&values)) {
                return Err(refuse(
                    ErrorCode::InvalidAnswer,
                    format!("the form does not meet {rule:?}"),
                ));
            }
            let summary = fields
                .iter()
                .map(|f| format!("{}: {}", f.label, shown(values.get(&f.id))))
                .collect::<Vec<_>>()
                .join("\n");
            let mut metadata = serde_json::Map::new();
            metadata.insert("form".into(), serde_json::Value::Object(values.clone()));
            post(session, summary, &[], metadata, false).await;
            AskAnswer::Form { values }
        }
        _ => {
            return Err(refuse(
                ErrorCode::InvalidAnswer,
                "the answer does not fit the question",
            ))
        }
    };
    session.answer(&ask.id, delivered);
    Ok(())
}

/// Every value names a field and fits it (missing values: only rules can
/// require them).
fn check_form(
    fields: &[FormField],
    values: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), Refusal> {
    check_values(fields, values).map_err(|err| refuse(ErrorCode::InvalidAnswer, err.to_string()))
}

fn shown(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Bool(true)) => "yes".into(),
        Some(serde_json::Value::Bool(false)) => "no".into(),
        Some(serde_json::Value::Null) | None => "—".into(),
        Some(other) => other.to_string(),
    }
}

/// Shows the user's message in the thread at once, even while it waits in
/// the queue, with its files as elements; returns it for the hook. It is
/// written to history first; with `run_follows`, marked as having a run
/// open (see [`Session::create_turn_step`]).
pub(crate) async fn post(
    session: &Arc<Session>,
    content: String,
    uploads: &[Upload],
    metadata: serde_json::Map<String, serde_json::Value>,
    run_follows: bool,
) -> Option<Message> {
    let now = now_millis();
    let name = session.shown_author("User".into()).await;
    let step = Step {
        id: crate::ids::new_id(),
        thread_id: session.thread_id(),
        name,
        step_type: StepType::UserMessage,
        output: content,
        metadata,
        created_at: now,
        start: Some(now),
        end: Some(now),
        ..Default::default()
    };
    let mut message = Message::from_step(&step);
    let created = match run_follows {
        true => session.create_turn_step(step.clone()).await,
        false => session.create_step(step.clone()).await,
    };
    created.ok()?;
    for upload in uploads {
        let element = Element {
            id: upload.id.clone(),
            thread_id: step.thread_id.clone(),
            for_id: Some(step.id.clone()),
            kind: kind_for(&upload.mime),
            name: upload.name.clone(),
            mime: Some(upload.mime.clone()),
            url: Some(Element::content_path(&upload.id)),
            bytes: Some(upload.size),
            created_at: now,
            ..Default::default()
        };
        let file = UploadedFile::from_element(&element, session.runtime.files.clone());
        if session.set_element(element).await.is_ok() {
            message.files.push(file);
        }
    }
    Some(message)
}

/// The files of an answer, by element id, for the hook.
pub(crate) fn files_of(session: &Session, ids: &[String]) -> Vec<UploadedFile> {
    ids.iter()
        .filter_map(|id| session.element(id))
        .map(|e| UploadedFile::from_element(&e, session.runtime.files.clone()))
        .collect()
}
