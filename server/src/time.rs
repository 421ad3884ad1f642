//! Wall-clock timestamps in the wire unit (milliseconds since the epoch).

use loquat_app::protocol::Millis;

/// Now, in milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}
