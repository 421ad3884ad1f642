//! The browser bundle compiled into the library by the build script
//! (`server/build/`): each file with its content hash and its gzip and
//! brotli forms, compressed once at build time.

/// One file of the embedded site.
pub(crate) struct EmbeddedFile {
    /// URL path, e.g. `/pkg/loquat.wasm`.
    pub(crate) path: &'static str,
    /// Hex hash of `raw`: the ETag and the cache-busting version.
    pub(crate) hash: &'static str,
    pub(crate) raw: &'static [u8],
    pub(crate) gzip: Option<&'static [u8]>,
    pub(crate) brotli: Option<&'static [u8]>,
}

/// Every file of the embedded site, sorted as the build script found them.
pub(crate) static FILES: &[EmbeddedFile] = include!(concat!(env!("OUT_DIR"), "/site_files.rs"));

/// The embedded file served at `path`.
pub(crate) fn find(path: &str) -> Option<&'static EmbeddedFile> {
    FILES.iter().find(|file| file.path == path)
}

/// `path` with the embedded file's version (`?v=<hash>`), so the browser
/// may keep it for good; `path` alone when there is no such file.
pub(crate) fn versioned(path: &str) -> String {
    match find(path) {
        Some(file) => format!("{path}?{VERSION_PARAM}={}", file.hash),
        None => path.to_string(),
    }
}

/// Query parameter carrying a file's version.
pub(crate) const VERSION_PARAM: &str = "v";
