//! Where the user writes.

mod composer;

pub use composer::Composer;
