# Shared settings for the scripts in this folder. Source it; do not run it.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

# Pinned tool versions. The wasm-bindgen CLI must equal the crate in Cargo.lock.
CARGO_LEPTOS_VERSION="0.3.10"
BINARYEN_VERSION="132"
AIOSMTPD_VERSION="1.4.6"
VNU_VERSION="26.9.27"
LIGHTHOUSE_VERSION="13.5.0"
SCHEMATHESIS_VERSION="4.32.5"
OPENAPI_PYTHON_CLIENT_VERSION="0.29.1"
REQUESTS_VERSION="2.34.2"
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$REPO_ROOT/Cargo.lock")"

# npm-installed tools live outside the clone so fresh clones reuse them.
TOOLS_DIR="${TRACEPIPE_TOOLS_DIR:-$HOME/.cache/tracepipe-storefront/tools}"
export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The Nu HTML Checker, as scripts/bootstrap --for-tests installs it.
VNU_JAR="$TOOLS_DIR/node_modules/vnu-jar/build/dist/vnu.jar"
# The API fuzzer, as scripts/bootstrap --for-tests installs it (a venv of its own).
SCHEMATHESIS="$TOOLS_DIR/schemathesis/bin/st"
# The Python that generates a client from /v1/openapi.json and runs it, and
# runs the docs' Python examples (requests), as scripts/bootstrap --for-tests
# installs it (a venv of its own).
API_CLIENTS_PYTHON="$TOOLS_DIR/api-clients/bin/python"

CARGO_TARGET="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
SERVER_BIN="$CARGO_TARGET/release/server"

# What cargo-leptos sets when it runs the server; needed to run the binary directly.
export LEPTOS_OUTPUT_NAME="tracepipe-storefront"
export LEPTOS_SITE_ROOT="$REPO_ROOT/target/site"
export LEPTOS_SITE_PKG_DIR="pkg"
export LEPTOS_HASH_FILES="true"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
