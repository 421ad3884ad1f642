//! The demo's showcase: slash commands that show each kind of rich
//! content, so the default app (and the browser tests) can see them all
//! without writing code. `/help` lists them.

use std::time::Duration;

use serde_json::json;

use super::media;
use crate::error::HookResult;
use crate::sdk::{ActionCall, Chat, Element, Message, Table, TaskList};
use crate::{Action, Display, ElementSize, FormRule, TaskStatus};

/// A short video clip (a generated test pattern, VP8/WebM).
const CLIP: &[u8] = include_bytes!("media/clip.webm");

/// Rows of the demo dataframe.
pub const DEMO_TABLE_ROWS: usize = 10_000;

const HELP: &str = "Try one of these:\n\n\
- `/elements`: an image, code, a file, a PDF, audio, video and a chart\n\
- `/side`: elements opened from links in the text (side panel and own page)\n\
- `/panel`: the app fills the side panel itself (`/panel close` closes it)\n\
- `/table`: a 10,000-row table, sortable and paged\n\
- `/plot`: an interactive Plotly chart\n\
- `/tasks`: a live task list\n\
- `/math`: LaTeX in a step, a streamed reply and a text element (with `[features] latex`)\n\
- `/custom`: a custom element from `public/elements/counter.js`\n\
- `/actions`: buttons that run server callbacks\n\
- `/ask`, `/choose`, `/upload`, `/form`: the assistant asks you something and waits\n\
- `/settings`: chat settings (model, temperature, …) that the app reads when you save them\n\
- `/commands`: commands to pick with `/` or a button, sent with your message\n\
- `/call <name> [JSON]`: calls a function of the page that embeds the chat (the copilot's)\n\
- attach files with the paperclip, by dropping or by pasting them";

/// Runs a showcase command; `None` when `content` is not one.
pub async fn run(chat: &Chat, content: &str, pace: Option<Duration>) -> Option<HookResult> {
    let mut words = content.split_whitespace();
    let command = words.next()?.strip_prefix('/')?;
    let arg = words.next();
    Some(match command {
        "help" => send(chat, Message::assistant(HELP)).await,
        "elements" => elements(chat).await,
        "side" => side(chat).await,
        "panel" => panel(chat, arg == Some("close")).await,
        "table" => table(chat).await,
        "plot" => plot(chat).await,
        "tasks" => tasks(chat, pace).await,
        "math" => math(chat, pace).await,
        "custom" => custom(chat).await,
        "actions" => actions(chat).await,
        "ask" => ask_name(chat).await,
        "choose" => choose(chat).await,
        "upload" => upload(chat).await,
        "form" => form(chat).await,
        "settings" => super::settings::declare(chat).await,
        "commands" => super::commands::declare(chat).await,
        "call" => super::window_messages::call(chat, arg, content).await,
        _ => return None,
    })
}

async fn send(chat: &Chat, message: Message) -> HookResult {
    chat.send(message).await?;
    Ok(())
}

async fn elements(chat: &Chat) -> HookResult {
    let csv = "fruit,kg\nloquat,12\nfig,7\n";
    let message = Message::assistant("Here is one of each inline element.")
        .footer("Every file here was generated on the server.")
        .element(
            Element::image("loquat.svg")
                .bytes(media::loquat_svg())
                .size(ElementSize::Small),
        )
        .element(Element::code(
            "hello.rs",
            "fn main() {\n    println!(\"hello\");\n}",
            "rust",
        ))
        .element(Element::file("harvest.csv").bytes(csv))
        .element(
            Element::pdf("guide.pdf")
                .bytes(media::sample_pdf(&["Loquat guide", "Page two"]))
                .page(2),
        )
        .element(Element::audio("tone.wav").bytes(media::tone_wav(600, 440.0)))
        .element(Element::video("clip.webm").bytes(CLIP))
        .element(Element::chart_svg(
            "harvest chart",
            media::bar_chart_svg(
                "Harvest (kg)",
                &[("loquat", 12.0), ("fig", 7.0), ("plum", 9.0)],
            ),
        ));
    send(chat, message).await
}

async fn side(chat: &Chat) -> HookResult {
    let message = Message::assistant(
        "Open the sources in the side panel, or read the handbook on its own page.",
    )
    .element(
        Element::text(
            "sources",
            "1. *The Loquat Book*, chapter 3\n2. Field notes, 2026",
        )
        .display(Display::Side),
    )
    .element(
        Element::pdf("handbook")
            .bytes(media::sample_pdf(&["Handbook"]))
            .display(Display::Page),
    );
    send(chat, message).await
}

async fn panel(chat: &Chat, close: bool) -> HookResult {
    if close {
        chat.clear_side_panel()?;
        return send(chat, Message::assistant("Closed the side panel.")).await;
    }
    chat.set_side_panel(
        "Notes",
        vec![
            Element::text("summary", "The app opened this panel itself."),
            Element::image("loquat").bytes(media::loquat_svg()),
        ],
    )
    .await?;
    send(chat, Message::assistant("The side panel shows the notes.")).await
}

async fn table(chat: &Chat) -> HookResult {
    let rows = (0..DEMO_TABLE_ROWS)
        .map(|i| {
            vec![
                json!(i + 1),
                json!(format!("item-{:05}", (i * 7_919) % DEMO_TABLE_ROWS)),
                json!(((i * 37) % 1_000) as f64 / 10.0),
            ]
        })
        .collect();
    let table = Table::new(vec!["#".into(), "name".into(), "score".into()], rows);
    send(
        chat,
        Message::assistant("A table of 10,000 rows; click a column to sort.")
            .element(Element::dataframe("scores", table)),
    )
    .await
}

async fn plot(chat: &Chat) -> HookResult {
    let figure = json!({
        "data": [{
            "type": "scatter",
            "mode": "lines+markers",
            "name": "ripeness",
            "x": [1, 2, 3, 4, 5, 6],
            "y": [2, 5, 3, 8, 6, 9]
        }],
        "layout": { "title": { "text": "Ripeness by week" }, "height": 320 }
    });
    // The data, shown with the step that prepared it.
    let prepare = chat
        .step("prepare data")
        .kind(crate::StepType::Tool)
        .start()
        .await?;
    prepare
        .attach(Element::code("figure.json", figure.to_string(), "json"))
        .await?;
    prepare.finish_with("6 weekly readings").await?;
    send(
        chat,
        Message::assistant("An interactive chart: hover, zoom and pan.")
            .element(Element::plotly("ripeness", &figure)),
    )
    .await
}

async fn tasks(chat: &Chat, pace: Option<Duration>) -> HookResult {
    let step = pace.map_or(Duration::from_millis(300), |p| p * 12);
    let mut list = TaskList::new("Harvest plan").status("Running…");
    let titles = ["Pick the fruit", "Sort by size", "Pack the boxes"];
    for title in titles {
        list.add(title);
    }
    list.set_status(0, TaskStatus::Running);
    let shown = chat.send_element(Element::tasklist(&list)).await?;
    for i in 0..titles.len() {
        tokio::time::sleep(step).await;
        list.set_status(i, TaskStatus::Done);
        if i + 1 < titles.len() {
            list.set_status(i + 1, TaskStatus::Running);
        }
        if i + 1 == titles.len() {
            list = list.status("Done");
        }
        shown.update(Element::tasklist(&list)).await?;
    }
    let done = chat
        .send(Message::assistant("The harvest plan is done."))
        .await?;
    list.link(titles.len() - 1, done.id());
    shown.update(Element::tasklist(&list)).await?;
    Ok(())
}

/// The reply of `/math`, streamed a word at a time.
const MATH_REPLY: &str = "The roots of $ax^2 + bx + c = 0$ are\n\n\
$$x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}$$\n\n\
and a loquat costs $2, or $3 when ripe.";

async fn math(chat: &Chat, pace: Option<Duration>) -> HookResult {
    let step = chat
        .step("integrate")
        .kind(crate::StepType::Tool)
        .start()
        .await?;
    step.finish_with("$\\int_0^1 x^2\\,dx = \\tfrac{1}{3}$")
        .await?;
    let reply = chat
        .stream(
            Message::assistant("").element(Element::text("identity", "Euler: $e^{i\\pi} + 1 = 0$")),
        )
        .await?;
    let mut ticker = pace.map(tokio::time::interval);
    for token in super::offline::tokens(MATH_REPLY) {
        if let Some(ticker) = ticker.as_mut() {
            ticker.tick().await;
        }
        reply.token(token).await?;
    }
    reply.finish().await?;
    Ok(())
}

async fn custom(chat: &Chat) -> HookResult {
    send(
        chat,
        Message::assistant(
            "A custom element: its buttons update it, call an action and send a message.",
        )
        .element(Element::custom(
            "counter",
            json!({ "count": 0, "label": "Loquats" }),
        )),
    )
    .await
}

async fn actions(chat: &Chat) -> HookResult {
    let message = Message::assistant("Pick one:")
        .action(
            Action::new("demo_like")
                .label("Like")
                .icon("heart")
                .payload(json!({ "liked": true }))
                .tooltip("Tell the demo you like it"),
        )
        .action(Action::new("demo_remove").label("Remove this button"));
    send(chat, message).await
}

async fn ask_name(chat: &Chat) -> HookResult {
    let reply = match chat.ask_text("What is your name?").await? {
        Some(name) => format!("Nice to meet you, {name}!"),
        None => "No answer; maybe later.".to_string(),
    };
    send(chat, Message::assistant(reply)).await
}

async fn choose(chat: &Chat) -> HookResult {
    let picked = chat
        .ask_action(
            "Which fruit?",
            vec![
                Action::new("loquat").label("Loquat"),
                Action::new("fig").label("Fig"),
            ],
        )
        .await?;
    let reply = match picked {
        Some(action) => format!("You picked {}.", action.label),
        None => "No choice made.".to_string(),
    };
    send(chat, Message::assistant(reply)).await
}

async fn upload(chat: &Chat) -> HookResult {
    let files = chat
        .ask_file("Send me a picture (PNG, JPEG, GIF or WebP, up to 1 MB).")
        .accept(["image/png", "image/jpeg", "image/gif", "image/webp"])
        .max_size_mb(1)
        .await?;
    let reply = match files.as_deref() {
        Some([file, ..]) => format!("Got {} ({}, {} bytes).", file.name, file.mime, file.size),
        _ => "No file arrived.".to_string(),
    };
    send(chat, Message::assistant(reply)).await
}

async fn form(chat: &Chat) -> HookResult {
    let values = chat
        .ask_form("Book a tasting")
        .text("name", "Name")
        .slider("guests", "Guests", 1.0, 8.0, 1.0)
        .select("fruit", "Fruit", ["loquat", "fig", "plum"])
        .switch("terms", "I accept the terms")
        .require("name")
        .rule(FormRule::Checked {
            field: "terms".into(),
        })
        .await?;
    let reply = match values {
        Some(values) => format!(
            "Booked for {} ({} guests, {}).",
            values.get("name").and_then(|v| v.as_str()).unwrap_or("?"),
            values
                .get("guests")
                .map(|v| v.to_string())
                .unwrap_or_default(),
            values.get("fruit").and_then(|v| v.as_str()).unwrap_or("?")
        ),
        None => "No booking.".to_string(),
    };
    send(chat, Message::assistant(reply)).await
}

/// Describes the files the user attached to a message.
pub async fn describe_files(chat: &Chat, msg: &Message) -> HookResult {
    let lines: Vec<String> = msg
        .files
        .iter()
        .map(|f| format!("- **{}** ({}, {} bytes)", f.name, f.mime, f.size))
        .collect();
    let text = format!(
        "You attached {} file{}:\n\n{}",
        msg.files.len(),
        if msg.files.len() == 1 { "" } else { "s" },
        lines.join("\n")
    );
    send(chat, Message::assistant(text)).await
}

/// The showcase's action callbacks, by name.
pub async fn on_action(chat: Chat, call: ActionCall) -> HookResult {
    let reply = match call.name() {
        "demo_like" => format!("You clicked Like (payload {}).", call.payload()),
        "demo_remove" => {
            call.remove().await?;
            "Removed the button.".to_string()
        }
        "counter_report" => format!("The counter called an action with {}.", call.payload()),
        other => format!("Action {other} clicked."),
    };
    chat.send(Message::assistant(reply)).await?;
    Ok(())
}

/// Action names the showcase answers.
pub const ACTIONS: [&str; 3] = ["demo_like", "demo_remove", "counter_report"];
