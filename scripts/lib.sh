# shellcheck shell=bash
# Shared helpers for scripts/setup and scripts/test (sourced, not run).

# Cargo installed by rustup lives here; non-login shells (CI) may not have it on PATH.
if [ -d "$HOME/.cargo/bin" ]; then PATH="$HOME/.cargo/bin:$PATH"; fi

section() { printf '\n==> %s\n' "$*"; }

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (install sudo or run as root)"
  fi
}

# apt_install PKG... installs the Debian packages given; `apt-get update` runs once, and only
# when something is actually missing.
APT_UPDATED=
apt_install() {
  [ "$#" -gt 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || die "missing $*, and this is not a Debian/Ubuntu system: install them yourself"
  section "installing with apt-get: $*"
  if [ -z "$APT_UPDATED" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# The Debian packages that the build needs and that are missing (printed space-separated).
missing_build_packages() {
  local missing=()
  command -v git >/dev/null 2>&1 || missing+=(git)
  command -v cc >/dev/null 2>&1 || missing+=(build-essential)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  printf '%s ' "${missing[@]}"
}

require_rust() {
  command -v cargo >/dev/null 2>&1 ||
    die "no Rust toolchain: install it with rustup (https://rustup.rs), Rust 1.94 or newer, then run this again"
}

# npm_install DIR [SCRIPT]: `npm ci` in DIR when its node_modules is missing or older than the
# lockfile, then `npm run SCRIPT` if given.
npm_install() {
  local dir=$1 script=${2:-}
  [ -f "$dir/package.json" ] || die "$dir/package.json is missing"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    section "npm ci in $dir"
    if [ -f "$dir/package-lock.json" ]; then
      (cd "$dir" && npm ci --no-audit --no-fund)
    else
      (cd "$dir" && npm install --no-audit --no-fund)
    fi
  fi
  if [ -n "$script" ]; then
    section "npm run $script in $dir"
    (cd "$dir" && npm run --silent "$script")
  fi
}
