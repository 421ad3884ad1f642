//! Splits streamed markdown into finished blocks and an unfinished tail, so
//! the browser renders each finished block once and re-renders only the
//! tail per token: the work per token does not grow with the message.

/// Tracks where the finished blocks of a growing text end.
///
/// A block ends at a blank line outside a code fence when the next line
/// starts at the margin (so indented continuations, e.g. loose list items or
/// indented code, stay in their block).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockSplitter {
    /// Byte offset up to which the text has been scanned (line starts only).
    scanned: usize,
    /// End of the finished blocks.
    stable: usize,
    in_fence: Option<String>,
    /// Offset just after a blank line that may end a block.
    pending_break: Option<usize>,
    /// Text before this offset is known to hold no unscanned newline.
    searched: usize,
}

impl BlockSplitter {
    /// Scans the complete lines added since the last call and returns the
    /// byte ranges of blocks that became finished (in order).
    pub fn advance(&mut self, text: &str) -> Vec<std::ops::Range<usize>> {
        let mut finished = Vec::new();
        loop {
            let from = self.searched.max(self.scanned);
            let Some(rel) = text.get(from..).and_then(|rest| rest.find('\n')) else {
                self.searched = text.len();
                break;
            };
            let line_start = self.scanned;
            let rel_end = from + rel - line_start;
            let line_end = line_start + rel_end;
            let line = &text[line_start..line_end];
            self.scanned = line_end + 1;
            let trimmed = line.trim_start();
            if let Some(fence) = &self.in_fence {
                let closing = trimmed.trim_end();
                if closing.starts_with(fence.as_str())
                    && closing.chars().all(|c| fence.starts_with(c))
                {
                    self.in_fence = None;
                }
                continue;
            }
            if line.trim().is_empty() {
                self.pending_break.get_or_insert(self.scanned);
                continue;
            }
            if let Some(brk) = self.pending_break.take() {
                let at_margin = !line.starts_with(' ') && !line.starts_with('\t');
                if at_margin && brk > self.stable {
                    finished.push(self.stable..brk);
                    self.stable = brk;
                }
            }
            if let Some(fence) = fence_opening(trimmed) {
                self.in_fence = Some(fence);
            }
        }
        finished
    }

    /// Where the unfinished tail starts.
    pub fn stable_end(&self) -> usize {
        self.stable
    }
}

fn fence_opening(line: &str) -> Option<String> {
    for ch in ['`', '~'] {
        let n = line.chars().take_while(|&c| c == ch).count();
        if n >= 3 {
            return Some(std::iter::repeat_n(ch, n).collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(text: &str, step: usize) -> (Vec<String>, String) {
        let mut s = BlockSplitter::default();
        let mut blocks = Vec::new();
        let mut end = 0;
        while end < text.len() {
            end = (end + step).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            for r in s.advance(&text[..end]) {
                blocks.push(text[r].to_string());
            }
        }
        (blocks, text[s.stable_end()..].to_string())
    }

    #[test]
    fn finished_blocks_plus_tail_rebuild_the_text_at_any_chunking() {
        let text = "# T\n\npara one\nstill one\n\n- a\n\n  more a\n- b\n\n```\ncode\n\n\nmore code\n```\n\nlast\nline";
        for step in [1, 2, 3, 7, 100] {
            let (blocks, tail) = split_all(text, step);
            assert_eq!(blocks.concat() + &tail, text, "step {step}");
            assert!(
                blocks.iter().any(|b| b.contains("code\n\n\nmore code")),
                "fence kept whole: {blocks:?}"
            );
            assert!(
                blocks.iter().any(|b| b.contains("- a\n\n  more a\n- b")),
                "indented continuation kept: {blocks:?}"
            );
            assert_eq!(tail, "last\nline");
        }
    }
}
