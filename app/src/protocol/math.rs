//! LaTeX rendering on request: with `[features] latex` the browser asks the
//! server to turn the formulas it meets into MathML (`render_math`) and
//! shows each one's source until the answer (`math_rendered`) comes. The
//! renderer stays on the server, out of every app's first load.

use serde::{Deserialize, Serialize};

/// Most formulas one `render_math` may ask for.
pub const MAX_MATH_PER_REQUEST: usize = 32;

/// Longest formula rendered as math, in bytes of its source. A longer one
/// shows as its source, on the server's pages as in the browser.
pub const MAX_MATH_TEX_BYTES: usize = 4096;

/// A formula as written: `$tex$`, or `$$tex$$` when `display`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MathSource {
    pub tex: String,
    #[serde(default)]
    pub display: bool,
}

/// A formula and its markup: a `<math>` element, or its escaped source
/// when it does not parse.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenderedMath {
    pub tex: String,
    #[serde(default)]
    pub display: bool,
    pub html: String,
}
