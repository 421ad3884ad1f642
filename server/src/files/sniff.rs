//! What an uploaded file really is: its type is read from its first bytes
//! (and, for text, from its name), never taken from the browser, and
//! checked against an accept list.

/// How much of a file its type is judged on: enough for every signature
/// and for the text check. An upload's first bytes are held back this far
/// before the rest streams to storage.
pub const SNIFF_BYTES: usize = 8192;

/// The MIME type of `bytes`, named `name`. Known binary signatures win;
/// text gets the type its extension names (when that is a text type);
/// anything else is `application/octet-stream`.
pub fn detect_mime(name: &str, bytes: &[u8]) -> String {
    if let Some(mime) = signature(bytes) {
        return mime.to_string();
    }
    if looks_like_text(bytes) {
        let by_name = mime_guess::from_path(name)
            .first()
            .map(|m| m.essence_str().to_string());
        return match by_name {
            Some(mime) if is_text_type(&mime) => mime,
            _ if starts_with_svg(bytes) => "image/svg+xml".into(),
            _ => "text/plain".into(),
        };
    }
    "application/octet-stream".into()
}

fn is_text_type(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/xml" | "image/svg+xml" | "application/javascript"
        )
}

fn starts_with_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    head.contains("<svg")
}

/// Valid UTF-8 without NUL bytes, judged on the first 8 KiB.
fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the 8 KiB boundary is still text.
        Err(e) => e.error_len().is_none() && bytes.len() > head.len(),
    }
}

/// Types recognised by their leading bytes (the `infer` crate's table).
/// Text is not in it: that is judged by [`looks_like_text`] and the name.
fn signature(bytes: &[u8]) -> Option<&'static str> {
    infer::get(bytes).map(|kind| kind.mime_type())
}

/// True when a file of type `mime` named `name` matches one of `accept`:
/// `*/*`, `type/*`, `type/subtype`, or an extension (`.csv`), which only
/// matches when the content agrees with it.
pub fn accepts(accept: &[String], name: &str, mime: &str) -> bool {
    if accept.is_empty() {
        return true;
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| format!(".{}", ext.to_ascii_lowercase()));
    accept.iter().any(|pattern| {
        let pattern = pattern.trim().to_ascii_lowercase();
        if pattern == "*/*" || pattern == "*" {
            true
        } else if let Some(ext) = pattern.strip_prefix('.') {
            extension.as_deref() == Some(&format!(".{ext}"))
                && mime_guess::from_ext(ext).iter().any(|m| {
                    m.essence_str() == mime || (mime == "text/plain" && m.type_() == "text")
                })
        } else if let Some(kind) = pattern.strip_suffix("/*") {
            mime.split('/').next() == Some(kind)
        } else {
            pattern == mime
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(detect_mime("x.txt", b"\x89PNG\r\n\x1a\n...."), "image/png");
        let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
        elf.resize(64, 0);
        elf[16] = 2; // an executable file
        assert_eq!(detect_mime("cat.png", &elf), "application/x-executable");
        assert_eq!(detect_mime("cat.png", b"just some text"), "text/plain");
        assert_eq!(detect_mime("data.csv", b"a,b\n1,2\n"), "text/csv");
        assert_eq!(
            detect_mime("pic", b"<svg xmlns='x'></svg>"),
            "image/svg+xml"
        );
        assert_eq!(
            detect_mime("blob.bin", &[0, 1, 2, 3]),
            "application/octet-stream"
        );
        assert_eq!(detect_mime("doc.pdf", b"%PDF-1.7"), "application/pdf");
    }

    #[test]
    fn accept_lists_match_types_wildcards_and_honest_extensions() {
        let images = vec!["image/*".to_string()];
        assert!(accepts(&images, "a.png", "image/png"));
        assert!(!accepts(&images, "a.png", "application/x-executable"));
        let csv = vec![".csv".to_string()];
        assert!(accepts(&csv, "data.CSV", "text/csv"));
        assert!(!accepts(&csv, "data.csv", "application/x-executable"));
        assert!(!accepts(&csv, "data.txt", "text/plain"));
        assert!(accepts(
            &["*/*".to_string()],
            "x",
            "application/octet-stream"
        ));
        assert!(accepts(&[], "x", "application/octet-stream"));
        assert!(accepts(
            &["application/pdf".to_string()],
            "d",
            "application/pdf"
        ));
    }
}
