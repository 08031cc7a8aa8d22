# shellcheck shell=bash
# Shared helpers of scripts/dev and scripts/test: logging, root/sudo, Debian and npm packages, buf,
# build.
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
  galera-4 mariadb-backup socat  # the Galera cluster (dev up --ha, its tests), its state transfer
  clang libclang-rt-14-dev libfuzzer-14-dev  # clang's sanitizer runtimes are only Recommended
  docker-compose  # tests/deploy validates deploy/compose.yaml with it
  clang-format shellcheck  # the format and shellcheck tests
)

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

# Installs web/'s npm packages from its committed lockfile (npm ci) when node_modules is missing
# or older than the lockfile: the console's build and tests, and buf. Needs Node.js 20.19 or later;
# LUBAN_SKIP_INSTALL=1 skips the install (what is there is used). Returns 1 when there are none.
ensure_web_packages() {
  local web="$LUBAN_ROOT/web"
  if [[ -d "$web/node_modules" && "$web/node_modules" -nt "$web/package-lock.json" ]]; then
    return 0
  fi
  if [[ "${LUBAN_SKIP_INSTALL:-0}" == 1 ]]; then
    [[ -d "$web/node_modules" ]] && return 0
    warn "LUBAN_SKIP_INSTALL=1 and no web/node_modules: the console and buf are not available"
    return 1
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    warn "Node.js and npm are not installed: the console and buf are not available"
    return 1
  fi
  local version
  version="$(node -p 'process.versions.node')"
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
      process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    warn "Node.js $version is too old for the console (it needs 20.19 or later)"
    return 1
  fi
  log "installing the console's npm packages (npm ci in web/)"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci in web/ failed"
  touch "$web/node_modules"
}

# Sets and exports LUBAN_BUF to a buf binary when one is available (an executable LUBAN_BUF given
# by the caller, else web/'s, installed with its packages). Must run before the CMake configure
# step, which registers the buf_lint test from LUBAN_BUF. Without buf (and outside CI) the lint is
# skipped; under CI it fails.
ensure_buf() {
  if [[ -n "${LUBAN_BUF:-}" && -x "${LUBAN_BUF}" ]]; then
    export LUBAN_BUF
    return 0
  fi
  unset LUBAN_BUF
  local bin="$LUBAN_ROOT/web/node_modules/.bin/buf"
  if ensure_web_packages && "$bin" --version >/dev/null 2>&1; then
    LUBAN_BUF="$bin"
    export LUBAN_BUF
  else
    [[ "${CI:-}" != true ]] || die "CI: buf is not available (web/node_modules/.bin/buf)"
    warn "no buf: skipping the proto lint"
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

# Prints a TCP port free on 127.0.0.1 and not among the arguments (a candidate: the caller retries
# if it is taken meanwhile). Two picks in a row can be the same free port: a caller picking several
# passes those it has.
free_port() {
  local port i
  for ((i = 0; i < 100; i++)); do
    if command -v python3 >/dev/null 2>&1; then
      port="$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null)"
    else
      port=$((20000 + RANDOM % 30000))
      port_in_use "$port" && continue
    fi
    [[ "$port" =~ ^[0-9]+$ ]] || continue
    [[ " $* " == *" $port "* ]] && continue
    printf '%s\n' "$port"
    return 0
  done
  die "found no free TCP port on 127.0.0.1"
}
