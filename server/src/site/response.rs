//! The HTTP answer for an embedded file: the smallest encoding the client
//! accepts (compressed at build time), ETag revalidation, and caching for
//! good when the URL names the file's version.

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;

use super::embedded::{EmbeddedFile, VERSION_PARAM};

/// For URLs that carry the file's version: the content behind such a URL
/// never changes.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";
/// For the rest: keep, but ask (a 304 when unchanged).
const CACHE_REVALIDATE: &str = "no-cache";

pub(super) fn embedded(file: &EmbeddedFile, uri: &Uri, headers: &HeaderMap) -> Response {
    let (coding, body) = match (file.brotli, file.gzip) {
        (Some(brotli), _) if accepts(headers, "br") => (Some("br"), brotli),
        (_, Some(gzip)) if accepts(headers, "gzip") => (Some("gzip"), gzip),
        _ => (None, file.raw),
    };
    let etag = match coding {
        Some(coding) => format!("\"{}-{coding}\"", file.hash),
        None => format!("\"{}\"", file.hash),
    };
    let cache = if is_versioned(uri, file.hash) {
        CACHE_FOREVER
    } else {
        CACHE_REVALIDATE
    };
    let fresh = matches_etag(headers, &etag);
    let mut response = if fresh {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(body))
    };
    if fresh {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
    }
    let out = response.headers_mut();
    let mime = mime_guess::from_path(file.path).first_or_octet_stream();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        out.insert(CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(ETAG, value);
    }
    out.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if file.gzip.is_some() || file.brotli.is_some() {
        out.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    if !fresh {
        if let Some(coding) = coding {
            out.insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        out.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    response
}

/// True when `Accept-Encoding` allows `coding` (q > 0): by its name, or by
/// `*` when it is not named (`br;q=0, *` refuses brotli).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let mut named = None;
    let mut any = None;
    let items = headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for item in items {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let quality = parts
            .find_map(|part| part.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            named = Some(quality);
        } else if name == "*" {
            any = Some(quality);
        }
    }
    named.or(any).is_some_and(|quality| quality > 0.0)
}

fn is_versioned(uri: &Uri, hash: &str) -> bool {
    uri.query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.split_once('=') == Some((VERSION_PARAM, hash)))
    })
}

fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    static FILE: EmbeddedFile = EmbeddedFile {
        path: "/pkg/loquat.js",
        hash: "00ff",
        raw: b"raw bytes",
        gzip: Some(b"gz"),
        brotli: Some(b"br"),
    };

    #[test]
    fn the_smallest_accepted_encoding_is_sent() {
        let uri: Uri = "/pkg/loquat.js".parse().unwrap();
        let cases = [
            ("gzip, deflate, br, zstd", Some("br"), "br"),
            ("gzip", Some("gzip"), "gz"),
            ("br;q=0, gzip", Some("gzip"), "gz"),
            ("br;q=0, *", Some("gzip"), "gz"),
            ("*", Some("br"), "br"),
            ("identity", None, "raw bytes"),
        ];
        for (accept, coding, body) in cases {
            let response = embedded(&FILE, &uri, &headers(&[("accept-encoding", accept)]));
            let got = response
                .headers()
                .get(CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap());
            assert_eq!(got, coding, "Accept-Encoding: {accept}");
            let length = response.headers().get(CONTENT_LENGTH).unwrap();
            assert_eq!(length.to_str().unwrap(), body.len().to_string());
        }
    }

    #[test]
    fn versioned_urls_are_cached_for_good_and_others_revalidated() {
        let versioned: Uri = "/pkg/loquat.js?v=00ff".parse().unwrap();
        let stale: Uri = "/pkg/loquat.js?v=0001".parse().unwrap();
        let cache = |uri: &Uri| {
            let response = embedded(&FILE, uri, &HeaderMap::new());
            response.headers()[CACHE_CONTROL]
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(cache(&versioned), CACHE_FOREVER);
        assert_eq!(cache(&stale), CACHE_REVALIDATE);
    }

    #[test]
    fn a_matching_etag_gets_not_modified() {
        let uri: Uri = "/pkg/loquat.js".parse().unwrap();
        let request = headers(&[("accept-encoding", "br"), ("if-none-match", "\"00ff-br\"")]);
        assert_eq!(
            embedded(&FILE, &uri, &request).status(),
            StatusCode::NOT_MODIFIED
        );
        let other = headers(&[
            ("accept-encoding", "gzip"),
            ("if-none-match", "\"00ff-br\""),
        ]);
        assert_eq!(embedded(&FILE, &uri, &other).status(), StatusCode::OK);
    }
}
