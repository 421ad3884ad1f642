//! The wire protocol: the only definition of what travels over Loquat's
//! WebSocket. Both the server runtime and the browser use these types.
//! `docs/protocol.md` describes the events, their fields and the ordering
//! and replay guarantees.

mod client_event;
mod server_event;
mod step;

pub use client_event::ClientEvent;
pub use server_event::{Envelope, ErrorCode, RunOutcome, ServerEvent, UiConfig};
pub use step::{ShowInput, Step, StepType};

/// Version of the wire protocol; bumped on incompatible changes.
pub const PROTOCOL_VERSION: u32 = 1;

/// Path of the streaming endpoint.
pub const WS_PATH: &str = "/ws";

/// Milliseconds since the Unix epoch, the unit of every timestamp on the wire.
pub type Millis = u64;
