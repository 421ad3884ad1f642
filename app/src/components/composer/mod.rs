//! Where the user writes.

mod composer_form;

pub use composer_form::Composer;
