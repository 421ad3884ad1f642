use leptos::prelude::*;

/// Whether the sidebar is open as an overlay. Only narrow screens use it:
/// wide screens always show the sidebar. Provided (through context) around
/// the header and the sidebar, which share it.
#[derive(Clone, Copy)]
pub struct SidebarOpen(pub RwSignal<bool>);

impl SidebarOpen {
    /// Closed, as the server renders it.
    pub fn new() -> Self {
        SidebarOpen(RwSignal::new(false))
    }

    /// Hides the overlay (a no-op on wide screens).
    pub fn close(self) {
        if self.0.get_untracked() {
            self.0.set(false);
        }
    }
}

impl Default for SidebarOpen {
    fn default() -> Self {
        Self::new()
    }
}
