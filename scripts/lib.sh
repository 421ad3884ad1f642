# shellcheck shell=bash
# Variables set here are used by the scripts that source this file.
# shellcheck disable=SC2034
# Helpers shared by scripts/bootstrap.sh, scripts/serve.sh and scripts/test.sh.
# Source it; it does not change shell options.

LOQUAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The cargo target directory must be absolute: relative values would be read
# from whatever directory a tool happens to run in.
if [[ -n "${CARGO_TARGET_DIR:-}" && "${CARGO_TARGET_DIR}" != /* ]]; then
  CARGO_TARGET_DIR="$PWD/${CARGO_TARGET_DIR}"
  export CARGO_TARGET_DIR
fi

# Colours only on a terminal (CI logs stay plain) and never with NO_COLOR.
if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
  C_BLUE=$'\033[1;34m' C_YELLOW=$'\033[1;33m' C_RED=$'\033[1;31m' C_GREEN=$'\033[1;32m' C_OFF=$'\033[0m'
else
  C_BLUE='' C_YELLOW='' C_RED='' C_GREEN='' C_OFF=''
fi

log() { printf '%s==>%s %s\n' "$C_BLUE" "$C_OFF" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$C_YELLOW" "$C_OFF" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$C_RED" "$C_OFF" "$*" >&2
  exit 1
}

# Seconds as "1m 23s" / "45s".
fmt_duration() {
  local s=$1
  if ((s >= 60)); then printf '%dm %02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# Prints "<target dir>\t<site root>" as cargo and cargo-leptos resolve them:
# the target dir from `cargo metadata` (honours CARGO_TARGET_DIR and
# .cargo/config.toml), the site root from LEPTOS_SITE_ROOT or the
# workspace's `site-root` key. cargo-leptos resolves a relative site root
# against the workspace root (NOT the target dir), except for the
# "CARGO_TARGET_DIR/..." marker form.
loquat_paths() {
  (cd "$LOQUAT_ROOT" && cargo metadata --format-version 1 --no-deps) |
    LOQUAT_ROOT="$LOQUAT_ROOT" node -e '
      const path = require("node:path");
      let raw = "";
      process.stdin.on("data", (c) => (raw += c));
      process.stdin.on("end", () => {
        const meta = JSON.parse(raw);
        const root = process.env.LOQUAT_ROOT;
        const target = meta.target_directory;
        const leptos = ((meta.metadata || {}).leptos || [])[0] || {};
        let site = process.env.LEPTOS_SITE_ROOT || leptos["site-root"] || "CARGO_TARGET_DIR/site";
        for (const marker of ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]) {
          if (site === marker || site.startsWith(marker + "/")) {
            site = path.join(target, site.slice(marker.length));
          }
        }
        site = path.resolve(root, site);
        process.stdout.write(target + "\t" + site + "\n");
      });
    '
}

# Sets TARGET_DIR and SITE_ROOT (absolute paths; shell variables, not
# exported: the server reports unknown LOQUAT_* variables, so nothing here
# leaks into its environment).
resolve_paths() {
  local paths
  paths="$(loquat_paths)" || die "could not read the workspace layout (cargo metadata failed)"
  TARGET_DIR="${paths%%$'\t'*}"
  SITE_ROOT="${paths#*$'\t'}"
}

# Runs a command as root (directly, or through sudo).
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Installs Debian packages (running `apt-get update` once per shell first).
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these by hand: $*"
  if [[ $APT_UPDATED -eq 0 ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
