//! `render_math`: with `[features] latex` the browser asks for the markup
//! of the formulas it meets (a streamed reply, a thread opened from the
//! history), and the server renders them; the renderer is not in the
//! browser's bundle. The answer goes to the asking connection only: it is
//! not part of the session, so it is neither sequenced nor replayed, and
//! in a cluster the tab's own node answers.

use std::num::NonZeroU32;

use loquat_app::protocol::{ErrorCode, MathSource, ServerEvent};
use loquat_app::protocol::{MAX_MATH_PER_REQUEST, MAX_MATH_TEX_BYTES};

use super::Refusal;

/// Requests a connection may make per second, each of up to
/// [`MAX_MATH_PER_REQUEST`] formulas; a page opening a long thread asks
/// for all of its formulas at once, hence the burst.
const REQUESTS_PER_SECOND: u32 = 10;
const BURST: u32 = 40;

/// One connection's allowance of `render_math` requests, made on its first.
#[derive(Default)]
pub(crate) struct MathRequests(Option<Box<governor::DefaultDirectRateLimiter>>);

impl MathRequests {
    /// The markup of `formulas` as one `math_rendered`, or why not: LaTeX
    /// is off, the request is over its bounds, or the connection asks too
    /// often. A refusal renders nothing.
    pub(crate) fn render(
        &mut self,
        latex: bool,
        formulas: &[MathSource],
    ) -> Result<ServerEvent, Refusal> {
        if !latex {
            return Err(Refusal::new(
                ErrorCode::FeatureDisabled,
                "math is rendered only when the app turns on [features] latex",
            ));
        }
        if formulas.len() > MAX_MATH_PER_REQUEST {
            return Err(Refusal::new(
                ErrorCode::MalformedFrame,
                format!("render_math asks for at most {MAX_MATH_PER_REQUEST} formulas"),
            ));
        }
        if formulas.iter().any(|f| f.tex.len() > MAX_MATH_TEX_BYTES) {
            return Err(Refusal::new(
                ErrorCode::MalformedFrame,
                format!("a formula is at most {MAX_MATH_TEX_BYTES} bytes"),
            ));
        }
        let limiter = self.0.get_or_insert_with(|| {
            let rate = NonZeroU32::new(REQUESTS_PER_SECOND).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(BURST).unwrap_or(rate);
            Box::new(governor::RateLimiter::direct(
                governor::Quota::per_second(rate).allow_burst(burst),
            ))
        });
        if limiter.check().is_err() {
            return Err(Refusal::new(
                ErrorCode::RateLimited,
                "too many math requests at once; this one was dropped",
            ));
        }
        Ok(ServerEvent::MathRendered {
            formulas: formulas
                .iter()
                .map(loquat_app::markdown::render_math)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formula(tex: &str) -> MathSource {
        MathSource {
            tex: tex.to_string(),
            display: false,
        }
    }

    #[test]
    fn formulas_come_back_in_order_as_mathml_or_their_source() {
        let mut requests = MathRequests::default();
        let asked = [formula("x^2"), formula("\\frac{1}{"), formula("a<b")];
        let Ok(ServerEvent::MathRendered { formulas }) = requests.render(true, &asked) else {
            panic!("refused");
        };
        assert_eq!(formulas.len(), 3);
        assert_eq!(formulas[0].tex, "x^2");
        assert!(formulas[0].html.contains("<msup>"), "{}", formulas[0].html);
        assert!(
            formulas[1].html.contains("math-error"),
            "{}",
            formulas[1].html
        );
        assert!(!formulas[2].html.contains("<b"), "{}", formulas[2].html);
    }

    #[test]
    fn off_over_bounds_and_too_often_are_refused() {
        let mut requests = MathRequests::default();
        let code = |r: Result<ServerEvent, Refusal>| r.err().map(|refusal| refusal.code);
        assert_eq!(
            code(requests.render(false, &[formula("x")])),
            Some(ErrorCode::FeatureDisabled)
        );
        let many = vec![formula("x"); MAX_MATH_PER_REQUEST + 1];
        assert_eq!(
            code(requests.render(true, &many)),
            Some(ErrorCode::MalformedFrame)
        );
        let long = formula(&"x".repeat(MAX_MATH_TEX_BYTES + 1));
        assert_eq!(
            code(requests.render(true, &[long])),
            Some(ErrorCode::MalformedFrame)
        );
        let mut refused = 0;
        for _ in 0..BURST + 5 {
            if requests.render(true, &[formula("x")]).is_err() {
                refused += 1;
            }
        }
        assert!(refused >= 1, "the burst is bounded");
    }
}
