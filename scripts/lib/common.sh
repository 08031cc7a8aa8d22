# shellcheck shell=bash
# Shared helpers of scripts/dev and scripts/test: logging, root/sudo, Debian packages, buf, build.
# Sourced, never run. Expects `set -euo pipefail` in the caller.

# Not exported: the services map every LUBAN_<FLAG> in their environment onto a flag.
LUBAN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

# Debian 12 packages the suite needs to build, test and run locally.
LUBAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libmysqlcppconn-dev libssl-dev openssl libspdlog-dev nlohmann-json3-dev
  prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  mariadb-server mariadb-client sysbench
  clang libclang-rt-14-dev libfuzzer-14-dev  # clang's sanitizer runtimes are only Recommended
  docker-compose  # tests/deploy validates deploy/compose.yaml with it
)

# buf (protobuf linter) comes from npm, pinned, into var/tools.
LUBAN_BUF_PACKAGE="@bufbuild/buf@1.75.0"
LUBAN_TOOLS_DIR="$LUBAN_ROOT/var/tools"

log() { printf '%s %s\n' "[${LUBAN_LOG_TAG:-luban}]" "$*" >&2; }
warn() { log "warning: $*"; }
die() { log "error: $*"; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $* (install sudo or run as root)"
  fi
}

pkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

# Installs the packages of LUBAN_PACKAGES that are missing, with apt-get (through
# sudo when not root). LUBAN_SKIP_INSTALL=1 skips the step.
ensure_packages() {
  if [[ "${LUBAN_SKIP_INSTALL:-0}" == 1 ]]; then
    return 0
  fi
  local missing=() p
  for p in "${LUBAN_PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# Sets and exports LUBAN_BUF to a buf binary when one is available (an executable LUBAN_BUF given
# by the caller, var/tools, or a fresh `npm install` there when npm exists; under CI=true npm
# itself is installed from Debian when missing). Must run before the CMake configure step, which
# registers the buf_lint test from LUBAN_BUF. Without buf (and outside CI) the lint is skipped.
ensure_buf() {
  if [[ -n "${LUBAN_BUF:-}" && -x "${LUBAN_BUF}" ]]; then
    export LUBAN_BUF
    return 0
  fi
  unset LUBAN_BUF
  local bin="$LUBAN_TOOLS_DIR/node_modules/.bin/buf"
  if [[ ! -x "$bin" ]] || ! "$bin" --version >/dev/null 2>&1; then
    if [[ "${LUBAN_SKIP_INSTALL:-0}" == 1 ]]; then
      log "LUBAN_SKIP_INSTALL=1 and no buf in ${LUBAN_TOOLS_DIR#"$LUBAN_ROOT"/}: skipping buf (proto lint)"
      return 0
    fi
    if ! command -v npm >/dev/null 2>&1 && [[ "${CI:-}" == true ]]; then
      # Under CI the buf_lint test must run (tests/CMakeLists.txt fails it when buf is missing).
      log "CI: installing npm (Debian) for buf"
      as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
    fi
    if ! command -v npm >/dev/null 2>&1; then
      log "npm not found: skipping buf (proto lint)"
      return 0
    fi
    log "installing $LUBAN_BUF_PACKAGE into ${LUBAN_TOOLS_DIR#"$LUBAN_ROOT"/}"
    mkdir -p "$LUBAN_TOOLS_DIR"
    if ! npm install --prefix "$LUBAN_TOOLS_DIR" --no-audit --no-fund --loglevel=error \
        "$LUBAN_BUF_PACKAGE" >&2; then
      warn "npm install $LUBAN_BUF_PACKAGE failed: skipping buf (proto lint)"
      return 0
    fi
  fi
  if "$bin" --version >/dev/null 2>&1; then
    LUBAN_BUF="$bin"
    export LUBAN_BUF
  else
    warn "$bin does not run: skipping buf (proto lint)"
  fi
}

# Configures (Ninja) and builds the tree into the given build dir; extra arguments go to the
# configure step. The build type is RelWithDebInfo unless LUBAN_BUILD_TYPE says otherwise.
luban_build() {
  luban_configure "$@"
  log "building (cmake --build $1)"
  cmake --build "$1" >&2
}

# A clang build with sanitizers (cmake/Sanitizers.cmake) and warnings as errors:
#   luban_sanitizer_build DIR address|thread [TARGET...]     (no target: everything)
luban_sanitizer_build() {
  local build_dir="$1" sanitizer="$2"
  shift 2
  local compiler_args=()
  # Only on the first configure: naming the compiler again would make CMake start the cache over.
  [[ -f "$build_dir/CMakeCache.txt" ]] ||
    compiler_args=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
  luban_configure "$build_dir" "${compiler_args[@]}" -DLUBAN_SANITIZE="$sanitizer" -DLUBAN_WERROR=ON
  local target_args=()
  (($# == 0)) || target_args=(--target "$@")
  log "building (cmake --build $build_dir ${target_args[*]})"
  cmake --build "$build_dir" "${target_args[@]}" >&2
}

# The configure step of luban_build.
luban_configure() {
  local build_dir="$1"
  shift
  local gen_args=(-G Ninja)
  if [[ -f "$build_dir/CMakeCache.txt" ]]; then
    local gen
    gen="$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build_dir/CMakeCache.txt")"
    [[ "$gen" == Ninja ]] || die "$build_dir was configured with '$gen', not Ninja: remove it"
    gen_args=()  # already Ninja; don't re-specify
  fi
  log "configuring in $build_dir"
  cmake -S "$LUBAN_ROOT" -B "$build_dir" "${gen_args[@]}" \
    -DCMAKE_BUILD_TYPE="${LUBAN_BUILD_TYPE:-RelWithDebInfo}" "$@" >&2
}

# Prints n random bytes as lowercase hex (default 32 bytes, 64 hex digits). No openssl needed.
random_hex() {
  od -An -tx1 -N"${1:-32}" /dev/urandom | tr -d ' \n'
}

sha256_hex() {
  printf %s "$1" | sha256sum | cut -d' ' -f1
}

# True when pid is alive and its argv[0] ends in the given program name.
pid_is() {
  local pid="$1" prog="$2" argv0
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  argv0="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n1)" || return 1
  [[ "$(basename -- "$argv0")" == "$prog" ]]
}

# Prints the pid in a pid file when that process is alive and runs the given program.
pidfile_running() {
  local pidfile="$1" prog="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  pid_is "$pid" "$prog" || return 1
  printf '%s\n' "$pid"
}

# Sends SIGTERM and waits up to `timeout` seconds for the process to go; SIGKILL after that.
stop_pid() {
  local pid="$1" name="$2" timeout="${3:-30}" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) still running after ${timeout}s: sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

# True when something accepts TCP connections on 127.0.0.1:port.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a TCP port free on 127.0.0.1 (a candidate: the caller retries if it is taken meanwhile).
free_port() {
  local port
  if command -v python3 >/dev/null 2>&1 &&
    port="$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null)" &&
    [[ "$port" =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$port"
    return 0
  fi
  local i
  for ((i = 0; i < 100; i++)); do
    port=$((20000 + RANDOM % 30000))
    if ! port_in_use "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "found no free TCP port on 127.0.0.1"
}
