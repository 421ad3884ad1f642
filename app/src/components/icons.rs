//! Small inline SVG icons (stroke = currentColor), so no icon font or emoji
//! font is needed.

use crate::protocol::StepType;

/// Wraps path data in the shared `<svg>` element.
macro_rules! icon {
    ($body:expr) => {
        concat!(
            "<svg viewBox=\"0 0 24 24\" width=\"16\" height=\"16\" fill=\"none\" stroke=\"currentColor\" \
stroke-width=\"2\" stroke-linecap=\"round\" stroke-linejoin=\"round\" aria-hidden=\"true\">",
            $body,
            "</svg>"
        )
    };
}

pub(crate) const PLUS: &str = icon!("<path d=\"M12 5v14M5 12h14\"/>");
pub(crate) const COPY: &str =
    icon!("<rect x=\"9\" y=\"9\" width=\"11\" height=\"11\" rx=\"2\"/><path d=\"M5 15V5a2 2 0 0 1 2-2h8\"/>");
const TOOL: &str = icon!("<path d=\"M14.7 6.3a4 4 0 0 0-5.4 5.1L3 17.7 6.3 21l6.3-6.3a4 4 0 0 0 5.1-5.4l-2.6 2.6-2.4-.6-.6-2.4z\"/>");
const LLM: &str = icon!("<path d=\"M12 3l1.9 5.1L19 10l-5.1 1.9L12 17l-1.9-5.1L5 10l5.1-1.9z\"/><path d=\"M19 17l.8 2.2L22 20l-2.2.8L19 23\"/>");
pub(crate) const SEARCH: &str =
    icon!("<circle cx=\"11\" cy=\"11\" r=\"7\"/><path d=\"M21 21l-4.3-4.3\"/>");
const RUN: &str = icon!("<path d=\"M7 4l12 8-12 8z\"/>");
const LAYERS: &str = icon!("<path d=\"M12 3l9 5-9 5-9-5z\"/><path d=\"M3 13l9 5 9-5\"/>");
const SORT: &str = icon!("<path d=\"M7 4v16M3 8l4-4 4 4M17 20V4M13 16l4 4 4-4\"/>");
const DOT: &str = icon!("<circle cx=\"12\" cy=\"12\" r=\"3\"/>");

/// The icon shown in a step's header.
pub(crate) fn step_icon(step_type: StepType) -> &'static str {
    match step_type {
        StepType::Tool => TOOL,
        StepType::Llm => LLM,
        StepType::Retrieval => SEARCH,
        StepType::Run => RUN,
        StepType::Embedding => LAYERS,
        StepType::Rerank => SORT,
        _ => DOT,
    }
}

// Conversation operations and transfer.
pub(crate) const EDIT_MESSAGE: &str =
    icon!("<path d=\"M12 20h9\"/><path d=\"M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z\"/>");
pub(crate) const RERUN: &str =
    icon!("<path d=\"M21 12a9 9 0 1 1-3-6.7L21 8\"/><path d=\"M21 3v5h-5\"/>");
pub(crate) const UNDO: &str =
    icon!("<path d=\"M9 14L4 9l5-5\"/><path d=\"M4 9h11a5 5 0 0 1 0 10h-3\"/>");
pub(crate) const CLEAR: &str =
    icon!("<path d=\"M4 7h16M10 11v6M14 11v6\"/><path d=\"M6 7l1 13h10l1-13M9 7V4h6v3\"/>");
pub(crate) const DOWNLOAD: &str = icon!("<path d=\"M12 4v11M7 10l5 5 5-5M5 20h14\"/>");
pub(crate) const UPLOAD: &str = icon!("<path d=\"M12 20V9M7 14l5-5 5 5M5 4h14\"/>");
pub(crate) const MORE: &str = icon!(
    "<circle cx=\"5\" cy=\"12\" r=\"1\"/><circle cx=\"12\" cy=\"12\" r=\"1\"/><circle cx=\"19\" cy=\"12\" r=\"1\"/>"
);

// History sidebar.
pub(crate) const SIDEBAR: &str =
    icon!("<rect x=\"3\" y=\"4\" width=\"18\" height=\"16\" rx=\"2\"/><path d=\"M9 4v16\"/>");
pub(crate) const ATTACH: &str = icon!(
    "<path d=\"M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9\"/>"
);
pub(crate) const MIC: &str = icon!(
    "<rect x=\"9\" y=\"3\" width=\"6\" height=\"11\" rx=\"3\"/><path d=\"M5 11a7 7 0 0 0 14 0M12 18v3\"/>"
);
pub(crate) const HEART: &str = icon!(
    "<path d=\"M12 20s-7-4.4-9.3-8.6C1 8 3 4.5 6.5 4.5c2 0 3.3 1.2 5.5 3.5 2.2-2.3 3.5-3.5 5.5-3.5C21 4.5 23 8 21.3 11.4 19 15.6 12 20 12 20z\"/>"
);
pub(crate) const THUMB_UP: &str = icon!(
    "<path d=\"M7 11v9H4v-9zM7 11l4-8a2 2 0 0 1 2 2v4h5.5a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 17.3 20H7\"/>"
);
pub(crate) const THUMB_DOWN: &str = icon!(
    "<path d=\"M17 13V4h3v9zM17 13l-4 8a2 2 0 0 1-2-2v-4H5.5a2 2 0 0 1-2-2.3l1.2-7A2 2 0 0 1 6.7 4H17\"/>"
);
pub(crate) const STAR: &str =
    icon!("<path d=\"M12 3l2.8 5.8 6.2.9-4.5 4.4 1 6.2L12 17.4l-5.5 2.9 1-6.2L3 9.7l6.2-.9z\"/>");

/// The icon of a reaction, by name.
pub(crate) fn reaction_icon(name: &str) -> Option<&'static str> {
    match name {
        "favorite" => Some(HEART),
        "like" => Some(THUMB_UP),
        "dislike" => Some(THUMB_DOWN),
        "star" => Some(STAR),
        _ => None,
    }
}

/// The icon an action names (a small set of common names); `None` for
/// others, which show their label alone.
pub(crate) fn action_icon(name: &str) -> Option<&'static str> {
    match name {
        "plus" | "add" => Some(PLUS),
        "copy" => Some(COPY),
        "search" => Some(SEARCH),
        "edit" | "pencil" => Some(EDIT_MESSAGE),
        "refresh" | "rerun" | "retry" => Some(RERUN),
        "undo" => Some(UNDO),
        "trash" | "delete" => Some(CLEAR),
        "download" => Some(DOWNLOAD),
        "upload" => Some(UPLOAD),
        "attach" | "paperclip" => Some(ATTACH),
        "close" | "x" => Some(CLOSE),
        other => reaction_icon(match other {
            "heart" => "favorite",
            "thumbs-up" => "like",
            "thumbs-down" => "dislike",
            _ => other,
        }),
    }
}

pub(crate) const SETTINGS: &str = icon!(
    "<path d=\"M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12\"/><circle cx=\"16\" cy=\"6\" r=\"2\"/><circle cx=\"10\" cy=\"12\" r=\"2\"/><circle cx=\"18\" cy=\"18\" r=\"2\"/>"
);
/// A plug: the MCP servers button.
pub(crate) const MCP: &str = icon!("<path d=\"M9 3v5M15 3v5M6 8h12v3a6 6 0 0 1-12 0zM12 17v4\"/>");
pub(crate) const CLOSE: &str = icon!("<path d=\"M18 6L6 18M6 6l12 12\"/>");
pub(crate) const RENAME: &str = EDIT_MESSAGE;
pub(crate) const DELETE: &str = CLEAR;
