//! [`Refusal`]: why the runtime did not do what a client asked, as the
//! client is told (an error frame with a code and a sentence).

use loquat_app::protocol::ErrorCode;

/// A client event (or a hello) the runtime refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// What kind of refusal: the browser reacts to some codes.
    pub(crate) code: ErrorCode,
    /// A sentence for the user.
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }

    /// The thread asked for does not exist, is not the user's, or its id
    /// is malformed: the client cannot tell which.
    pub(crate) fn thread_not_found() -> Refusal {
        Refusal::new(
            ErrorCode::ThreadNotFound,
            "this conversation does not exist or is not yours",
        )
    }
}

/// What the connection does after an event was handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handled {
    /// Keep going.
    Continue,
    /// The chat was ended by the client: close the connection.
    End,
}
