//! Embeds the site's files in the library: writes each file (and its gzip
//! and brotli forms, compressed once here instead of on every request) to
//! OUT_DIR and generates `site_files.rs`, the table `crate::site::embedded`
//! includes.
//!
//! Brotli at quality 11 costs ~1 s per MB here (optimised; several times
//! that in an unoptimised build script) and makes the first-load files
//! about 20% smaller than gzip -9, so it is spent on `/pkg/*` only; the
//! other files (plotly.js is 4.8 MB) get quality 9, within 10% of 11 at a
//! tenth of the time. Results are kept by content hash, so an unchanged file
//! is never compressed again.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::Hasher;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::bundle::{BuildError, SiteFile};

/// Extensions worth compressing (the rest are already compressed media).
const COMPRESSIBLE: &[&str] = &[
    "js", "mjs", "wasm", "css", "svg", "json", "html", "txt", "map", "xml", "csv",
];

/// A compressed form is kept only when it is at most this share of the
/// original, in percent.
const MAX_KEPT_PERCENT: usize = 95;

pub fn write(files: &[SiteFile]) -> Result<(), BuildError> {
    let out_dir = PathBuf::from(
        std::env::var("OUT_DIR").map_err(|_| BuildError::new("cargo did not set OUT_DIR"))?,
    );
    let store = out_dir.join("site");
    std::fs::create_dir_all(&store)
        .map_err(|err| BuildError::io("could not create", &store, err))?;

    let mut table = String::from("&[\n");
    for file in files {
        let bytes = std::fs::read(&file.source)
            .map_err(|err| BuildError::io("could not read", &file.source, err))?;
        let hash = content_hash(&bytes);
        let raw = store.join(&hash);
        if !raw.exists() {
            std::fs::write(&raw, &bytes)
                .map_err(|err| BuildError::io("could not write", &raw, err))?;
        }
        let (gzip, brotli) = if is_compressible(&file.url) {
            let quality = if file.url.starts_with("/pkg/") { 11 } else { 9 };
            (
                compressed(&store, &hash, "gz", &bytes, gzip)?,
                compressed(&store, &hash, "br", &bytes, |data| brotli(data, quality))?,
            )
        } else {
            (None, None)
        };
        let _ = writeln!(
            table,
            "    EmbeddedFile {{ path: {:?}, hash: {:?}, raw: include_bytes!({:?}), gzip: {}, brotli: {} }},",
            file.url,
            hash,
            path_literal(&raw)?,
            optional_bytes(gzip.as_deref())?,
            optional_bytes(brotli.as_deref())?,
        );
    }
    table.push_str("]\n");
    let generated = out_dir.join("site_files.rs");
    std::fs::write(&generated, table)
        .map_err(|err| BuildError::io("could not write", &generated, err))
}

fn is_compressible(url: &str) -> bool {
    url.rsplit_once('.')
        .is_some_and(|(_, ext)| COMPRESSIBLE.contains(&ext.to_ascii_lowercase().as_str()))
}

/// A 64-bit hash of the content, in hex: names the stored copies and
/// becomes the file's ETag and cache-busting version.
fn content_hash(bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    format!("{:016x}", hasher.finish())
}

/// The compressed form of `bytes` at `<store>/<hash>.<ext>`, computed once;
/// `None` when it would not be worth sending.
fn compressed(
    store: &Path,
    hash: &str,
    ext: &str,
    bytes: &[u8],
    compress: impl FnOnce(&[u8]) -> Result<Vec<u8>, std::io::Error>,
) -> Result<Option<PathBuf>, BuildError> {
    let path = store.join(format!("{hash}.{ext}"));
    let skipped = store.join(format!("{hash}.{ext}.skip"));
    if path.exists() {
        return Ok(Some(path));
    }
    if skipped.exists() {
        return Ok(None);
    }
    let packed = compress(bytes).map_err(|err| BuildError::io("could not compress", &path, err))?;
    let worth_it = packed.len() * 100 <= bytes.len() * MAX_KEPT_PERCENT;
    let (target, content) = if worth_it {
        (&path, packed)
    } else {
        (&skipped, Vec::new())
    };
    std::fs::write(target, content)
        .map_err(|err| BuildError::io("could not write", target, err))?;
    Ok(worth_it.then_some(path))
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn brotli(bytes: &[u8], quality: u32) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    {
        // 4 KiB buffer, 4 MiB window (brotli's largest standard window).
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        writer.write_all(bytes)?;
        writer.flush()?;
    }
    Ok(out)
}

fn path_literal(path: &Path) -> Result<String, BuildError> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| BuildError::new(format!("{}: OUT_DIR must be UTF-8", path.display())))
}

fn optional_bytes(path: Option<&Path>) -> Result<String, BuildError> {
    Ok(match path {
        Some(path) => format!("Some(include_bytes!({:?}))", path_literal(path)?),
        None => "None".to_string(),
    })
}
