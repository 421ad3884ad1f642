//! Builds the browser bundle: the `loquat-frontend` crate for wasm32, its
//! JavaScript glue, the stylesheet and the `public/` files.
//!
//! The WASM comes from a nested `cargo build` with a target dir of its own
//! (`<target>/front`, where cargo-leptos builds it too), the way crates that
//! ship WASM from a build script do: the outer build holds the lock of its
//! own profile dir, not this one. The glue comes from the
//! `wasm-bindgen-cli-support` library pinned to the `wasm-bindgen` version of
//! the workspace, so no CLI has to be installed at a matching version.
//!
//! No `wasm-opt` pass: measured on this bundle (2026-12-01), `-Oz` shrinks
//! the raw WASM from 1.99 to 1.72 MB but the transfer grows (brotli 460 →
//! 489 KB, gzip 612 → 657 KB), and `-O1` saves under 1%. Without it the
//! build needs no external tool and is the same everywhere.

use std::env;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The target the browser bundle is built for.
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Cargo profile of the bundle (declared in the workspace `Cargo.toml`):
/// always the size-optimised one, whatever profile the server is built with.
const WASM_PROFILE: &str = "wasm-release";

/// File name stem of the bundle (`/pkg/loquat.js`, `/pkg/loquat.wasm`).
const OUTPUT_NAME: &str = "loquat";

/// What the site serves: a URL path and the file with its bytes.
pub struct SiteFile {
    pub url: String,
    pub source: PathBuf,
}

/// Why the bundle could not be built, said so that the developer knows
/// what to do.
#[derive(Debug)]
pub struct BuildError(String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl BuildError {
    pub fn new(message: impl Into<String>) -> Self {
        BuildError(message.into())
    }

    pub fn io(what: &str, path: &Path, err: std::io::Error) -> Self {
        BuildError(format!("{what} {}: {err}", path.display()))
    }
}

/// Builds the bundle and lists every file of the site.
pub fn build() -> Result<Vec<SiteFile>, BuildError> {
    let manifest_dir = PathBuf::from(var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(var("OUT_DIR")?);
    let root = manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| BuildError::new("the loquat crate has no parent directory"))?;
    if !root.join("frontend").join("Cargo.toml").is_file() {
        return Err(BuildError::new(format!(
            "the browser bundle is built from the Loquat workspace, but {} has no \
             frontend/ crate; depend on loquat from a checkout of its repository \
             (path or git), or build without the `embedded-site` feature and serve a \
             site directory (LEPTOS_SITE_ROOT)",
            root.display()
        )));
    }
    watch_sources(&root);

    check_wasm_target()?;
    let wasm = cargo_build_frontend(&root, &front_target_dir(&out_dir))?;
    let pkg = out_dir.join("pkg");
    bindgen(&wasm, &pkg)?;
    let wasm_out = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));

    let mut files = vec![
        SiteFile {
            url: format!("/pkg/{OUTPUT_NAME}.js"),
            source: pkg.join(format!("{OUTPUT_NAME}.js")),
        },
        SiteFile {
            url: format!("/pkg/{OUTPUT_NAME}.wasm"),
            source: wasm_out,
        },
        SiteFile {
            url: format!("/pkg/{OUTPUT_NAME}.css"),
            source: root.join("style").join("main.css"),
        },
    ];
    // Inline JS snippets of #[wasm_bindgen(module = …)] imports, if any.
    collect_files(&pkg.join("snippets"), "/pkg/snippets", &mut files)?;
    collect_files(&root.join("public"), "", &mut files)?;
    Ok(files)
}

fn var(name: &str) -> Result<String, BuildError> {
    env::var(name).map_err(|_| BuildError::new(format!("cargo did not set {name}")))
}

/// Tells cargo which inputs the bundle is made of.
fn watch_sources(root: &Path) {
    let inputs = [
        "app/src",
        "app/Cargo.toml",
        "app/build.rs",
        "frontend",
        "style",
        "public",
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
    ];
    for input in inputs {
        let path = root.join(input);
        // A path that does not exist would make cargo rerun this every time.
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// `<target>/front` next to the outer build's profile dirs, so that debug
/// and release builds of the server share one bundle build. OUT_DIR is
/// `<target>[/<triple>]/<profile>/build/<package>-<hash>/out`.
fn front_target_dir(out_dir: &Path) -> PathBuf {
    match (out_dir.ancestors().nth(2), out_dir.ancestors().nth(4)) {
        (Some(build), Some(target)) if build.file_name() == Some("build".as_ref()) => {
            target.join("front")
        }
        // An unusual layout (e.g. a separate build dir): keep it private.
        _ => out_dir.join("front"),
    }
}

fn rustc() -> OsString {
    env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

/// A clear message instead of rustc's "can't find crate for `core`".
fn check_wasm_target() -> Result<(), BuildError> {
    let output = Command::new(rustc())
        .args(["--print", "target-libdir", "--target", WASM_TARGET])
        .output()
        .map_err(|err| BuildError::new(format!("could not run rustc: {err}")))?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if output.status.success() && !libdir.is_empty() && Path::new(&libdir).is_dir() {
        return Ok(());
    }
    Err(BuildError::new(format!(
        "Loquat builds its browser bundle for {WASM_TARGET}, which this Rust toolchain \
         does not have yet. Install it once with:\n\n    rustup target add {WASM_TARGET}\n"
    )))
}

/// Variables of the outer build that must not leak into the nested one:
/// its flags are for the server's target, and under `cargo clippy` the
/// wrapper would lint the bundle instead of building it.
const OUTER_ENV: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "CLIPPY_ARGS",
    "CLIPPY_CONF_DIR",
];

fn cargo_build_frontend(root: &Path, target_dir: &Path) -> Result<PathBuf, BuildError> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--package=loquat-frontend",
            "--lib",
            "--no-default-features",
            "--locked",
        ])
        .arg(format!("--target={WASM_TARGET}"))
        .arg(format!("--profile={WASM_PROFILE}"))
        .arg("--target-dir")
        .arg(target_dir)
        // Cargo reads directives from a build script's stdout.
        .stdout(Stdio::from(std::io::stderr()));
    for name in OUTER_ENV {
        command.env_remove(name);
    }
    // The one outer flag that must carry over: it changes the markup, and
    // the bundle has to hydrate what this server renders.
    if outer_erases_components() {
        command.env("RUSTFLAGS", "--cfg erase_components");
    }
    let status = command
        .status()
        .map_err(|err| BuildError::new(format!("could not run cargo: {err}")))?;
    if !status.success() {
        return Err(BuildError::new(format!(
            "building the browser bundle (loquat-frontend for {WASM_TARGET}) failed ({status}); \
             cargo's output is above"
        )));
    }
    let wasm = target_dir
        .join(WASM_TARGET)
        .join(WASM_PROFILE)
        .join("loquat_frontend.wasm");
    if wasm.is_file() {
        Ok(wasm)
    } else {
        Err(BuildError::new(format!(
            "cargo built the bundle but {} is missing",
            wasm.display()
        )))
    }
}

/// True when the server is compiled with `--cfg erase_components`.
fn outer_erases_components() -> bool {
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let flags: Vec<&str> = flags.split('\x1f').collect();
    flags
        .windows(2)
        .any(|pair| pair == ["--cfg", "erase_components"])
        || flags.contains(&"--cfg=erase_components")
}

/// Generates `loquat.js` and `loquat_bg.wasm` for ES module loading.
fn bindgen(wasm: &Path, out: &Path) -> Result<(), BuildError> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(wasm)
        .out_name(OUTPUT_NAME)
        .typescript(false)
        // Function names are for debuggers; the page would download them.
        .remove_name_section(true)
        .remove_producers_section(true);
    bindgen
        .web(true)
        .and_then(|bindgen| bindgen.generate(out))
        .map_err(|err| BuildError::new(format!("wasm-bindgen failed: {err:#}")))
}

/// Every file under `dir` (recursively, skipping dot files), served at
/// `<prefix>/<relative path>`. A missing dir has no files.
fn collect_files(dir: &Path, prefix: &str, files: &mut Vec<SiteFile>) -> Result<(), BuildError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(BuildError::io("could not read", dir, err)),
    };
    let mut entries: Vec<_> = entries
        .collect::<Result<_, _>>()
        .map_err(|err| BuildError::io("could not read", dir, err))?;
    // A stable order keeps the generated table (and the binary) reproducible.
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(BuildError::new(format!(
                "{}: file names of the site must be UTF-8",
                entry.path().display()
            )));
        };
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let url = format!("{prefix}/{name}");
        if path.is_dir() {
            collect_files(&path, &url, files)?;
        } else {
            files.push(SiteFile { url, source: path });
        }
    }
    Ok(())
}
