//! Calling a function of the page that embeds the chat (the copilot widget,
//! or a page framing the app): the hook awaits the page's answer.
//!
//! ```no_run
//! # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
//! use std::time::Duration;
//! let cart = chat
//!     .call_fn("get_cart", loquat::json!({ "currency": "EUR" }))
//!     .timeout(Duration::from_secs(5))
//!     .await?;
//! chat.send(loquat::Message::assistant(format!("Your cart: {cart}"))).await?;
//! # Ok(()) }
//! ```
//!
//! On the page, a `loquat-call-fn` event on `window` carries the call; its
//! handler answers with a value or a promise (see docs/embedding.md):
//!
//! ```js
//! window.addEventListener("loquat-call-fn", (event) => {
//!   const { name, args, respond } = event.detail;
//!   if (name === "get_cart") respond(fetch("/cart.json").then((r) => r.json()));
//! });
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use loquat_app::protocol::CallFnResult;

use super::Chat;
use crate::error::ChatError;
use crate::runtime::session::Session;

/// How long a function call waits for the page by default.
pub const DEFAULT_CALL_FN_TIMEOUT: Duration = Duration::from_secs(30);

/// A call of the embedding page's function, sent when awaited. See
/// [`Chat::call_fn`].
#[must_use = "a function call is only made when awaited"]
pub struct CallFn {
    chat: Chat,
    name: String,
    args: Result<serde_json::Value, String>,
    timeout: Duration,
}

impl CallFn {
    /// How long to wait for the page's answer (default 30 s); then the
    /// call fails with [`ChatError::CallFnTimeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Forgets the call if the hook stops waiting (timeout, stop, dropped).
struct Pending {
    session: Arc<Session>,
    id: String,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.session.end_call(&self.id);
    }
}

impl IntoFuture for CallFn {
    type Output = Result<serde_json::Value, ChatError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let args = self.args.map_err(ChatError::NotJson)?;
            let session = self.chat.session().clone();
            let id = crate::ids::new_id();
            let answer = session.begin_call(&id, self.name.clone(), args)?;
            let _pending = Pending { session, id };
            match tokio::time::timeout(self.timeout, answer).await {
                Ok(Ok(CallFnResult::Ok(value))) => Ok(value),
                Ok(Ok(CallFnResult::Error(reason))) => Err(ChatError::CallFn(reason)),
                // The session ended.
                Ok(Err(_)) => Err(ChatError::SessionClosed),
                Err(_) => Err(ChatError::CallFnTimeout(self.name)),
            }
        })
    }
}

impl Chat {
    /// Calls the function `name` of the page that embeds the chat (the
    /// copilot widget's page, or a page framing the app at one of `[project]
    /// window_message_origins`) with `args`, and returns what it answered.
    /// Every tab of the chat gets the call; the first answer counts.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let title = chat.call_fn("page_title", loquat::json!({})).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ChatError::CallFn`] when the page has no handler for `name`, its
    /// handler failed, or the chat is not in a page that answers calls;
    /// [`ChatError::CallFnTimeout`] when no answer came in time;
    /// [`ChatError::NotJson`] when `args` does not serialize to JSON;
    /// [`ChatError::SessionClosed`] when the chat has ended.
    pub fn call_fn(&self, name: impl Into<String>, args: impl serde::Serialize) -> CallFn {
        CallFn {
            chat: self.clone(),
            name: name.into(),
            args: serde_json::to_value(args).map_err(|err| err.to_string()),
            timeout: DEFAULT_CALL_FN_TIMEOUT,
        }
    }
}
