//! A small syntax highlighter for code blocks: comments, strings, numbers,
//! keywords and function names for the common languages, as
//! `<span class="hl-…">`. It runs wherever markdown is rendered (server and
//! browser), costs a few kilobytes of WASM, and its work is linear in the
//! code's length.

use super::escape;

/// How a language writes comments and which words are keywords.
struct Syntax {
    line_comment: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    keywords: &'static [&'static str],
    /// Backtick strings (JavaScript templates, Go raw strings).
    backtick: bool,
}

const RUST: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "Some", "None", "Ok", "Err",
];
const PYTHON: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "False", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "None", "nonlocal", "not", "or", "pass", "raise", "return", "True", "try", "while",
    "with", "yield", "self", "print",
];
const JS: &[&str] = &[
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "of",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "yield",
];
const C_LIKE: &[&str] = &[
    "auto",
    "bool",
    "break",
    "case",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "defer",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "false",
    "final",
    "float",
    "for",
    "func",
    "go",
    "if",
    "implements",
    "import",
    "int",
    "interface",
    "long",
    "map",
    "namespace",
    "new",
    "nil",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "range",
    "return",
    "short",
    "signed",
    "static",
    "struct",
    "switch",
    "template",
    "this",
    "throw",
    "true",
    "try",
    "typedef",
    "type",
    "unsigned",
    "var",
    "void",
    "while",
];
const SHELL: &[&str] = &[
    "case", "do", "done", "echo", "elif", "else", "esac", "exit", "export", "fi", "for",
    "function", "if", "in", "local", "return", "then", "until", "while",
];
const SQL: &[&str] = &[
    "and", "as", "by", "create", "delete", "desc", "distinct", "drop", "from", "group", "having",
    "index", "insert", "into", "join", "left", "limit", "not", "null", "on", "or", "order",
    "primary", "key", "select", "set", "table", "update", "values", "where", "with",
];
const DATA: &[&str] = &["true", "false", "null", "yes", "no"];

fn syntax(language: &str) -> Option<Syntax> {
    let slash = (&["//"][..], Some(("/*", "*/")));
    let hash = (&["#"][..], None);
    let (comments, keywords, backtick) = match language.to_ascii_lowercase().as_str() {
        "rust" | "rs" => (slash, RUST, false),
        "python" | "py" => (hash, PYTHON, false),
        "javascript" | "js" | "typescript" | "ts" | "jsx" | "tsx" => (slash, JS, true),
        "c" | "cpp" | "c++" | "h" | "java" | "go" | "kotlin" | "swift" | "csharp" | "cs" => {
            (slash, C_LIKE, language == "go")
        }
        "bash" | "sh" | "shell" | "zsh" | "console" => (hash, SHELL, false),
        "sql" => ((&["--"][..], Some(("/*", "*/"))), SQL, false),
        "json" => ((&[][..], None), DATA, false),
        "yaml" | "yml" | "toml" | "ini" => (hash, DATA, false),
        _ => return None,
    };
    Some(Syntax {
        line_comment: comments.0,
        block_comment: comments.1,
        keywords,
        backtick,
    })
}

/// True when [`highlight`] knows `language`.
pub fn knows(language: &str) -> bool {
    syntax(language).is_some()
}

/// `code` as HTML with highlight spans, or `None` for a language it does
/// not know (the caller then escapes the code as plain text).
pub fn highlight(code: &str, language: &str) -> Option<String> {
    let syntax = syntax(language)?;
    let case_insensitive = language.eq_ignore_ascii_case("sql");
    let mut out = String::with_capacity(code.len() * 3 / 2);
    let mut rest = code;
    while !rest.is_empty() {
        if let Some(len) = comment_len(rest, &syntax) {
            span(&mut out, "hl-c", &rest[..len]);
            rest = &rest[len..];
            continue;
        }
        let first = rest.chars().next().unwrap_or(' ');
        if first == '"' || first == '\'' || (first == '`' && syntax.backtick) {
            let len = string_len(rest, first);
            span(&mut out, "hl-s", &rest[..len]);
            rest = &rest[len..];
        } else if first.is_ascii_digit() {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            span(&mut out, "hl-n", &rest[..len]);
            rest = &rest[len..];
        } else if first.is_alphabetic() || first == '_' {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            let keyword = if case_insensitive {
                syntax.keywords.iter().any(|k| k.eq_ignore_ascii_case(word))
            } else {
                syntax.keywords.contains(&word)
            };
            if keyword {
                span(&mut out, "hl-k", word);
            } else if rest[len..].starts_with('(') || rest[len..].starts_with("!(") {
                span(&mut out, "hl-f", word);
            } else if word.starts_with(char::is_uppercase) {
                span(&mut out, "hl-t", word);
            } else {
                out.push_str(&escape(word));
            }
            rest = &rest[len..];
        } else {
            let len = first.len_utf8();
            out.push_str(&escape(&rest[..len]));
            rest = &rest[len..];
        }
    }
    Some(out)
}

fn span(out: &mut String, class: &str, text: &str) {
    out.push_str("<span class=\"");
    out.push_str(class);
    out.push_str("\">");
    out.push_str(&escape(text));
    out.push_str("</span>");
}

/// Length of a comment starting at the beginning of `text`, if one does.
fn comment_len(text: &str, syntax: &Syntax) -> Option<usize> {
    if let Some((open, close)) = syntax.block_comment {
        if let Some(body) = text.strip_prefix(open) {
            return Some(
                body.find(close)
                    .map_or(text.len(), |end| open.len() + end + close.len()),
            );
        }
    }
    syntax
        .line_comment
        .iter()
        .any(|marker| text.starts_with(marker))
        .then(|| text.find('\n').unwrap_or(text.len()))
}

/// Length of a string literal opened by `quote` at the start of `text`
/// (to its closing quote, or the end of the line when unclosed).
fn string_len(text: &str, quote: char) -> usize {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return i + c.len_utf8();
        } else if c == '\n' && quote != '`' {
            return i;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_tokens_get_their_classes() {
        let html = highlight("fn main() { let x = \"a<b\"; // hi\n 42 }", "rust").unwrap();
        assert!(html.contains("<span class=\"hl-k\">fn</span>"), "{html}");
        assert!(html.contains("<span class=\"hl-f\">main</span>"), "{html}");
        assert!(
            html.contains("<span class=\"hl-s\">&quot;a&lt;b&quot;</span>"),
            "{html}"
        );
        assert!(html.contains("<span class=\"hl-c\">// hi</span>"), "{html}");
        assert!(html.contains("<span class=\"hl-n\">42</span>"), "{html}");
    }

    #[test]
    fn other_languages_and_edge_cases() {
        let py = highlight("def f():\n    return 'x' # c", "python").unwrap();
        assert!(py.contains("<span class=\"hl-k\">def</span>"));
        assert!(py.contains("<span class=\"hl-c\"># c</span>"));
        let sql = highlight("SELECT * FROM t", "sql").unwrap();
        assert!(sql.contains("<span class=\"hl-k\">SELECT</span>"));
        assert!(highlight("x", "brainfuck").is_none());
        // Unclosed strings and comments end with the text; nothing is lost.
        let open = highlight("let s = \"open\nnext /* never closed", "rust").unwrap();
        assert!(open.contains("never closed</span>"));
        let text = |html: &str| {
            let mut out = String::new();
            let mut tag = false;
            for c in html.chars() {
                match c {
                    '<' => tag = true,
                    '>' => tag = false,
                    c if !tag => out.push(c),
                    _ => {}
                }
            }
            out.replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        };
        let src = "const a = `t ${x}`; // é\nif (a) { b('\\'') }";
        assert_eq!(text(&highlight(src, "js").unwrap()), src);
    }
}
