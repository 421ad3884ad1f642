//! The demo's chat settings: `/settings` declares a form of every kind of
//! input in two tabs, and saving it shows what the app received, read into
//! a typed struct.

use serde::Deserialize;

use crate::error::HookResult;
use crate::sdk::{Chat, ChatSettings, Input, Message, SettingsValues};
use crate::Choice;

/// The settings the demo declares.
pub fn demo_settings() -> ChatSettings {
    ChatSettings::new()
        .tab("Model")
        .input(
            Input::select(
                "model",
                "Model",
                [
                    Choice::labeled("Small and fast", "small"),
                    Choice::labeled("Large and careful", "large"),
                ],
            )
            .description("Which model answers."),
        )
        .input(
            Input::slider("temperature", "Temperature", 0.0, 2.0)
                .step(0.1)
                .initial(0.7)
                .tooltip("Higher is more varied"),
        )
        .input(Input::switch("stream", "Stream tokens").initial(true))
        .tab("Output")
        .input(Input::radio("format", "Format", ["markdown", "plain"]))
        .input(Input::tags("stop", "Stop words").initial(vec!["Answer:"]))
        .input(Input::multi_select(
            "tools",
            "Tools",
            ["search", "calculator", "browser"],
        ))
        .input(
            Input::number("max_tokens", "Max tokens")
                .min(1.0)
                .max(4096.0)
                .step(1.0)
                .initial(512),
        )
        .input(Input::text("persona", "Persona").placeholder("A helpful assistant"))
}

/// The demo's settings as the app reads them.
#[derive(Debug, Deserialize)]
struct DemoSettings {
    model: String,
    temperature: f64,
    stream: bool,
    format: String,
    stop: Vec<String>,
    tools: Vec<String>,
    max_tokens: Option<u32>,
    persona: String,
}

/// `/settings`: declares the demo's settings.
pub async fn declare(chat: &Chat) -> HookResult {
    chat.set_settings(demo_settings()).await?;
    chat.send(Message::assistant(
        "This chat has settings now: open them with the sliders button next to the message box, \
change something and save.",
    ))
    .await?;
    Ok(())
}

/// The demo's `on_settings_update`: says what it received.
pub async fn on_update(chat: Chat, values: SettingsValues) -> HookResult {
    let s: DemoSettings = values.parse()?;
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let persona = if s.persona.is_empty() {
        "none"
    } else {
        &s.persona
    };
    chat.send(Message::assistant(format!(
        "Settings saved: model **{}**, temperature **{}**, streaming **{}**, format **{}**, \
stop words **{}**, tools **{}**, max tokens **{}**, persona **{persona}**.",
        s.model,
        s.temperature,
        if s.stream { "on" } else { "off" },
        s.format,
        list(&s.stop),
        list(&s.tools),
        s.max_tokens.map_or("any".to_string(), |n| n.to_string()),
    )))
    .await?;
    Ok(())
}
