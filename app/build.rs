//! Fingerprints the UI's sources. The server writes the fingerprint into
//! every page and the browser bundle compares it with its own before it
//! hydrates, so a bundle built from other sources (a stale site directory)
//! is reported in plain words instead of failing deep inside hydration.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.push(PathBuf::from("Cargo.toml"));
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        hasher.write(file.to_string_lossy().as_bytes());
        // An unreadable file changes the fingerprint too (its name is in it).
        if let Ok(bytes) = std::fs::read(file) {
            hasher.write(&bytes);
        }
    }
    println!(
        "cargo:rustc-env=LOQUAT_UI_FINGERPRINT={:016x}",
        hasher.finish()
    );
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
