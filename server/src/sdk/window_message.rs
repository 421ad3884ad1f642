//! Window messages: the app and the page that embeds it in a frame talk
//! through `postMessage`, only with the origins of `[project]
//! window_message_origins` (the browser checks `event.origin` on the way
//! in and posts to those origins only, never to `"*"`).

use loquat_app::protocol::ServerEvent;

use super::Chat;
use crate::error::ChatError;

impl Chat {
    /// Posts `value` (as JSON) to the page that embeds the chat, in every
    /// tab of it that is framed by a page of one of `[project]
    /// window_message_origins`; a tab that is not framed by one drops it.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// chat.send_window_message(loquat::json!({ "navigate": "/pricing" })).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ChatError::NotJson`] when `value` does not serialize to JSON;
    /// [`ChatError::SessionClosed`] when the chat has ended.
    pub async fn send_window_message(&self, value: impl serde::Serialize) -> Result<(), ChatError> {
        let value =
            serde_json::to_value(value).map_err(|err| ChatError::NotJson(err.to_string()))?;
        self.session().emit(ServerEvent::WindowMessage { value })?;
        Ok(())
    }
}
