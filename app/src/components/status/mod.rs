//! Connection and notice banners.

mod connection_status;
mod notice;

pub use connection_status::ConnectionStatus;
pub use notice::Notice;
