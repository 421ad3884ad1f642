//! The wire protocol: the only definition of what travels over Loquat's
//! WebSocket. Both the server runtime and the browser use these types.
//! `docs/protocol.md` describes the events, their fields and the ordering
//! and replay guarantees.

mod action;
mod ask;
mod audio;
mod client_event;
mod cot;
mod element;
mod form;
mod math;
mod mcp;
mod profile;
mod server_event;
mod settings;
mod snippet;
mod starter;
mod step;
// The browser's one-pass reader of tagged objects; the server derives serde's.
#[cfg(any(target_arch = "wasm32", test))]
mod tag_first;
mod thread;

pub use action::Action;
pub use ask::{Ask, AskAnswer, AskKind, FileRules};
pub use audio::{
    AudioSettings, AUDIO_CLIENT_PATH, AUDIO_WORKLET_PATH, MAX_OUTPUT_CHUNK_BYTES, MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
};
pub use client_event::{CallFnResult, ClientEvent, UserEnv, MAX_CALL_FN_ERROR_BYTES};
pub use cot::Cot;
pub use element::{Display, Element, ElementKind, ElementSize, Task, TaskStatus};
pub use form::{
    check_values, number_value, Choice, FormError, FormField, FormInput, FormRule, MAX_TAGS,
    MAX_TAG_CHARS, MAX_TEXT_INPUT_CHARS,
};
pub use math::{MathSource, RenderedMath, MAX_MATH_PER_REQUEST, MAX_MATH_TEX_BYTES};
pub use mcp::{McpHeaders, McpServerState, McpSource, McpStatus, McpUi, MCP_PANEL_PATH};
pub use profile::{pick_profile, ChatProfile, ProfileOverrides};
pub use server_event::{
    ConversationButton, Envelope, ErrorCode, Interface, PageAccess, RunOutcome, ServerEvent,
    SidePanel, SignedInUser, UiConfig, DEFAULT_MAX_FRAME_BYTES,
};
pub use settings::{ChatSettings, SettingsLocation, SettingsTab};
pub use snippet::Snippet;
pub use starter::{command_id_ok, matching_commands, Command, Starter, MAX_COMMAND_CHARS};
pub use step::{
    reactions_in, Feedback, FeedbackError, ShowInput, Step, StepType, COMMAND_KEY, FOOTER_KEY,
    MAX_FEEDBACK_COMMENT_CHARS, MAX_FEEDBACK_REASONS, REACTIONS_KEY,
};
pub use thread::{ThreadPage, ThreadSummary};

/// Version of the wire protocol; bumped on incompatible changes.
pub const PROTOCOL_VERSION: u32 = 1;

/// Path of the streaming endpoint.
pub const WS_PATH: &str = "/ws";

/// WebSocket close code: the connection's sign-in ended (signed out, or
/// removed); the browser goes to the login page.
pub const CLOSE_SIGNED_OUT: u16 = 4401;

/// Milliseconds since the Unix epoch, the unit of every timestamp on the wire.
pub type Millis = u64;

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T>(value: &T) -> T
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let json = serde_json::to_string(value).expect("serialize");
        serde_json::from_str(&json).expect("deserialize")
    }

    fn sample_step() -> Step {
        let mut metadata = serde_json::Map::new();
        metadata.insert("model".into(), serde_json::json!("gpt"));
        Step {
            id: "s1".into(),
            thread_id: "t1".into(),
            parent_id: Some("p".into()),
            name: "search".into(),
            step_type: StepType::Tool,
            input: "{\"q\":1}".into(),
            output: "found".into(),
            is_error: true,
            streaming: true,
            show_input: ShowInput::Language("json".into()),
            language: Some("json".into()),
            metadata,
            tags: vec!["a".into()],
            created_at: 1,
            start: Some(2),
            end: Some(3),
            actions: vec![Action::new("go")
                .payload(serde_json::json!({"n": 1}))
                .icon("play")
                .tooltip("Go")],
            feedback: Some(Feedback {
                value: 0,
                comment: Some("off by one".into()),
                reasons: vec!["Inaccurate".into()],
            }),
        }
    }

    fn sample_element(kind: ElementKind) -> Element {
        Element {
            id: "e1".into(),
            thread_id: "t".into(),
            for_id: Some("s1".into()),
            kind,
            name: "chart".into(),
            display: Display::Side,
            size: Some(ElementSize::Large),
            mime: Some("image/png".into()),
            url: Some(Element::content_path("e1")),
            bytes: Some(42),
            props: serde_json::json!({"page": 2}),
            created_at: 7,
        }
    }

    #[test]
    fn client_events_round_trip() {
        let events = vec![
            ClientEvent::Hello {
                session_id: Some("abc".into()),
                last_seq: Some(7),
                thread_id: Some("t".into()),
                user_env: UserEnv::from([("KEY".to_string(), "value".to_string())]),
                chat_profile: Some("Support".into()),
            },
            ClientEvent::Hello {
                session_id: None,
                last_seq: None,
                thread_id: None,
                user_env: Default::default(),
                chat_profile: None,
            },
            ClientEvent::Send {
                content: "hi".into(),
                files: vec!["f1".into()],
                command: Some("Search".into()),
            },
            ClientEvent::Answer {
                id: "q".into(),
                answer: AskAnswer::Form {
                    values: serde_json::json!({"age": 3})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                },
            },
            ClientEvent::UpdateSettings {
                values: serde_json::json!({"model": "b"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            },
            ClientEvent::Stop,
            ClientEvent::EndChat,
            ClientEvent::EditMessage {
                id: "m".into(),
                content: "new".into(),
            },
            ClientEvent::Rerun,
            ClientEvent::Undo,
            ClientEvent::Clear,
            ClientEvent::React {
                step_id: "s".into(),
                reaction: "favorite".into(),
                active: true,
            },
            ClientEvent::ActionClicked {
                step_id: "s".into(),
                action_id: "a".into(),
            },
        ];
        for event in events {
            assert_eq!(round_trip(&event), event);
        }
        let hello: ClientEvent =
            serde_json::from_str(r#"{"type":"hello"}"#).expect("minimal hello");
        assert_eq!(
            hello,
            ClientEvent::Hello {
                session_id: None,
                last_seq: None,
                thread_id: None,
                user_env: Default::default(),
                chat_profile: None,
            }
        );
    }

    #[test]
    fn server_events_round_trip() {
        let events = vec![
            ServerEvent::Ready {
                session_id: "s".into(),
                thread_id: "t".into(),
                last_seq: 3,
            },
            ServerEvent::Snapshot {
                thread_id: "t".into(),
                steps: vec![sample_step()],
                elements: vec![sample_element(ElementKind::Pdf)],
                ask: Some(Ask {
                    id: "q".into(),
                    for_id: "s1".into(),
                    kind: AskKind::Form {
                        fields: vec![FormField {
                            id: "age".into(),
                            label: "Age".into(),
                            tooltip: Some("In years".into()),
                            description: None,
                            input: FormInput::Slider {
                                min: 0.0,
                                max: 9.0,
                                step: 1.0,
                                initial: None,
                            },
                        }],
                        rules: vec![FormRule::Required {
                            field: "age".into(),
                        }],
                    },
                    deadline: 9,
                }),
                side_panel: Some(SidePanel {
                    title: "Sources".into(),
                    elements: vec![sample_element(ElementKind::Text)],
                }),
                settings: Some(ChatSettings::new(vec![SettingsTab {
                    label: "Model".into(),
                    fields: vec![FormField {
                        id: "model".into(),
                        label: "Model".into(),
                        tooltip: None,
                        description: Some("Which model answers".into()),
                        input: FormInput::Select {
                            options: vec![Choice::new("a"), Choice::labeled("Bee", "b")],
                            initial: None,
                        },
                    }],
                }])),
                commands: vec![Command {
                    id: "Search".into(),
                    description: "Find on the web".into(),
                    icon: Some("/public/globe.svg".into()),
                    button: true,
                    persistent: false,
                }],
                mcp_servers: vec![McpServerState {
                    name: "calc".into(),
                    source: McpSource::User,
                    status: McpStatus::Failed,
                    tools: 0,
                    error: Some("refused".into()),
                }],
                running: true,
            },
            ServerEvent::SettingsSet { settings: None },
            ServerEvent::CommandsSet { commands: vec![] },
            ServerEvent::ElementSet {
                element: sample_element(ElementKind::Image),
            },
            ServerEvent::ElementRemoved { id: "e1".into() },
            ServerEvent::SidePanelSet { panel: None },
            ServerEvent::AskStarted {
                ask: Ask {
                    id: "q".into(),
                    for_id: "s1".into(),
                    kind: AskKind::File(FileRules {
                        accept: vec!["image/*".into(), ".csv".into()],
                        max_size_bytes: 10,
                        max_files: 2,
                    }),
                    deadline: 9,
                },
            },
            ServerEvent::AskEnded { id: "q".into() },
            ServerEvent::StepCreated {
                step: sample_step(),
            },
            ServerEvent::StepDelta {
                id: "s1".into(),
                delta: "tok".into(),
                input: false,
            },
            ServerEvent::StepDelta {
                id: "s1".into(),
                delta: "in".into(),
                input: true,
            },
            ServerEvent::StepUpdated {
                step: Step::default(),
            },
            ServerEvent::StepRemoved { id: "s1".into() },
            ServerEvent::ThreadUpdated {
                thread: ThreadSummary {
                    id: "t".into(),
                    name: "Hi".into(),
                    created_at: 1,
                    updated_at: 2,
                    snippet: None,
                },
                renamed: true,
            },
            ServerEvent::RunStarted {
                run_id: "r".into(),
                at: 9,
            },
            ServerEvent::RunEnded {
                run_id: "r".into(),
                outcome: RunOutcome::Stopped,
            },
            ServerEvent::Error {
                code: ErrorCode::FrameTooLarge,
                message: "too big".into(),
            },
        ];
        for event in events {
            let envelope = Envelope { seq: 5, event };
            assert_eq!(round_trip(&envelope), envelope);
        }
    }

    #[test]
    fn wire_names_are_snake_case_and_deltas_are_small() {
        let delta = Envelope {
            seq: 12,
            event: ServerEvent::StepDelta {
                id: "m".into(),
                delta: "Hi".into(),
                input: false,
            },
        };
        assert_eq!(
            serde_json::to_string(&delta).expect("json"),
            r#"{"seq":12,"event":{"type":"step_delta","id":"m","delta":"Hi"}}"#
        );
        let step: Step = serde_json::from_str(
            r#"{"id":"a","thread_id":"t","name":"n","type":"retrieval","created_at":0,"show_input":"python"}"#,
        )
        .expect("step");
        assert_eq!(step.step_type, StepType::Retrieval);
        assert_eq!(step.show_input.language(), Some("python"));
        let unknown: Step = serde_json::from_str(
            r#"{"id":"a","thread_id":"t","name":"n","type":"wizardry","created_at":0}"#,
        )
        .expect("unknown type");
        assert_eq!(unknown.step_type, StepType::Undefined);
        for kind in [
            ElementKind::Text,
            ElementKind::Image,
            ElementKind::File,
            ElementKind::Pdf,
            ElementKind::Audio,
            ElementKind::Video,
            ElementKind::Dataframe,
            ElementKind::Plotly,
            ElementKind::Chart,
            ElementKind::Tasklist,
            ElementKind::Custom,
        ] {
            assert_eq!(ElementKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_value(sample_element(kind)).expect("json");
            assert_eq!(json["type"], kind.as_str());
        }
        assert_eq!(ElementKind::parse("nope"), None);
    }
}
