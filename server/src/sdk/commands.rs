//! Commands: intents the user picks for a message, from the `/` menu of
//! the composer or a toggle button under it.

use loquat_app::protocol::{command_id_ok, Command, ServerEvent, MAX_COMMAND_CHARS};

use super::Chat;
use crate::error::ChatError;

impl Chat {
    /// Replaces the commands the user can pick (an empty list removes
    /// them). Every tab of the chat shows the new ones; a resumed thread
    /// has none until a hook sets them again. The message the user sends
    /// with one carries its id in [`Message::command`](crate::Message::command).
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// use loquat::Command;
    /// chat.set_commands(vec![
    ///     Command::new("Picture").description("Draw a picture"),
    ///     Command::new("Search").description("Find on the web").button(),
    /// ])
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_commands(&self, commands: Vec<Command>) -> Result<(), ChatError> {
        let mut seen = std::collections::HashSet::new();
        for command in &commands {
            if !command_id_ok(&command.id) {
                return Err(ChatError::InvalidCommands(format!(
                    "{:?}: an id is 1 to {MAX_COMMAND_CHARS} characters, none of them control characters",
                    command.id
                )));
            }
            if !seen.insert(command.id.as_str()) {
                return Err(ChatError::InvalidCommands(format!(
                    "two commands have the id {:?}",
                    command.id
                )));
            }
        }
        self.session().emit(ServerEvent::CommandsSet { commands })?;
        Ok(())
    }

    /// The commands the user can pick now.
    pub fn commands(&self) -> Vec<Command> {
        self.session().commands()
    }
}
