//! Elements: media and data attached to messages or the thread, the side
//! panel, the element page, and action buttons.

mod action_bar;
mod custom_view;
mod dataframe_view;
mod element_page;
mod element_view;
mod media_view;
mod message_elements;
mod plotly_view;
mod side_panel;
mod task_list_view;
mod thread_elements;

pub(crate) use action_bar::action_button;
pub use action_bar::ActionBar;
pub use element_page::ElementPage;
pub use element_view::ElementView;
pub use message_elements::MessageElements;
pub use plotly_view::PLOTLY_SRC;
pub use side_panel::SidePanelView;
pub use thread_elements::ThreadElements;
