/// The state of the streaming connection, shown by the status indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ConnectionState {
    /// Not yet connected (server-rendered page, WASM loading).
    #[default]
    Connecting,
    Connected,
    /// Lost; retrying with backoff.
    Reconnecting,
}
