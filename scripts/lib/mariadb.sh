# shellcheck shell=bash
# MariaDB as an ordinary process (no system service): initialise a data dir, start, wait, secure
# root, run SQL, stop. Used by scripts/dev (the local database) and scripts/test (a throwaway one).
# Sourced after common.sh.

LUBAN_MY_CNF="$LUBAN_ROOT/deploy/mariadb/my.cnf"
# The option file mdb_start gives mariadbd (a Galera node's own file, from galera.sh, includes
# my.cnf); mdb_init always initialises with my.cnf alone.
MDB_DEFAULTS_FILE="$LUBAN_MY_CNF"

# mariadbd refuses to run as root unless told to.
mdb_user_args() {
  if [[ $(id -u) -eq 0 ]]; then
    printf '%s\n' "--user=$(id -un)"
  fi
}

# A unix socket path must fit in sun_path (108 bytes): prints the preferred path when it is short
# enough, else one under a short per-directory dir in /tmp.
mdb_socket_path() {
  local preferred="$1"
  if ((${#preferred} < 100)); then
    printf '%s\n' "$preferred"
    return 0
  fi
  local dir
  dir="/tmp/luban-$(id -u)-$(sha256_hex "$preferred" | cut -c1-12)"
  mkdir -p "$dir"
  chmod 700 "$dir"
  printf '%s\n' "$dir/mysqld.sock"
}

# mdb_init DATADIR LOGFILE: creates the system tables unless DATADIR is already initialised (a
# marker next to it says so; a half-initialised DATADIR without marker is wiped and redone).
# Root can then log in over the socket without a password until mdb_secure_root sets one.
mdb_init() {
  local datadir="$1" logfile="$2"
  local marker="$datadir.initialised"
  if [[ -f "$marker" && -d "$datadir/mysql" ]]; then
    return 0
  fi
  rm -rf -- "$datadir" "$marker"
  mkdir -p -- "$datadir" "$(dirname -- "$logfile")"
  local user_args
  mapfile -t user_args < <(mdb_user_args)
  log "initialising MariaDB data dir $datadir"
  if ! mariadb-install-db --defaults-file="$LUBAN_MY_CNF" --datadir="$datadir" \
      --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
      "${user_args[@]}" >>"$logfile" 2>&1; then
    tail -n 30 "$logfile" >&2 || true
    die "mariadb-install-db failed (log: $logfile)"
  fi
  touch -- "$marker"
}

# mdb_start DATADIR SOCKET PORT PIDFILE LOGFILE DETACH [extra mariadbd options...]
# Starts mariadbd in the background on 127.0.0.1:PORT and sets MDB_PID. DETACH=1 puts it in its own
# session (it outlives the terminal); DETACH=0 keeps it in the caller's process group.
# shellcheck disable=SC2034  # read by the callers
MDB_PID=""
mdb_start() {
  local datadir="$1" socket="$2" port="$3" pidfile="$4" logfile="$5" detach="$6"
  shift 6
  local user_args
  mapfile -t user_args < <(mdb_user_args)
  local cmd=(mariadbd --defaults-file="$MDB_DEFAULTS_FILE" --datadir="$datadir" --socket="$socket"
    --port="$port" --bind-address=127.0.0.1 --skip-networking=0 --pid-file="$pidfile"
    --log-error="$logfile" "${user_args[@]}" "$@")
  mkdir -p -- "$(dirname -- "$pidfile")" "$(dirname -- "$logfile")" "$(dirname -- "$socket")"
  rm -f -- "$pidfile"
  if [[ "$detach" == 1 ]]; then
    setsid "${cmd[@]}" </dev/null >>"$logfile" 2>&1 &
  else
    "${cmd[@]}" </dev/null >>"$logfile" 2>&1 &
  fi
  # shellcheck disable=SC2034
  MDB_PID=$!
}

# mdb_wait SOCKET PID TIMEOUT LOGFILE: waits until the server answers a ping. Returns 0 when it
# does, 2 when the process died (3 when because its port was taken), 1 on timeout.
mdb_wait() {
  local socket="$1" pid="$2" timeout="$3" logfile="$4" i
  for ((i = 0; i < timeout * 5; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      if grep -qE 'Bind on TCP/IP port|Address already in use' "$logfile" 2>/dev/null; then
        return 3
      fi
      return 2
    fi
    if [[ -S "$socket" ]] &&
      mariadb-admin --no-defaults --socket="$socket" --connect-timeout=2 ping >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# mdb_write_client_cnf FILE SOCKET USER PASSWORD: a client options file for
# `mariadb --defaults-file=FILE` (reads no other option file).
mdb_write_client_cnf() {
  local file="$1" socket="$2" user="$3" password="$4"
  (
    umask 077
    cat >"$file" <<EOF
[client]
user=$user
password=$password
socket=$socket
default-character-set=utf8mb4
EOF
  )
}

# mdb_sql CLIENT_CNF [mariadb options...]: runs the mariadb client with that options file; SQL on
# stdin or with -e.
mdb_sql() {
  local cnf="$1"
  shift
  mariadb --defaults-file="$cnf" --batch --skip-column-names "$@"
}

# mdb_secure_root SOCKET PASSWORD CLIENT_CNF: makes root log in only with PASSWORD, over the socket
# (root@localhost) and over TCP (root@127.0.0.1), drops every other root account, and writes
# CLIENT_CNF for it. Idempotent: does nothing more when the password already works. Returns 1 when
# root can log in neither with PASSWORD nor without one (a data dir whose root password was lost).
# (Called in `||` context, where errexit is off: every step is checked.)
mdb_secure_root() {
  local socket="$1" password="$2" cnf="$3" out
  mdb_write_client_cnf "$cnf" "$socket" root "$password" || return 1
  if mdb_sql "$cnf" -e 'SELECT 1' >/dev/null 2>&1; then
    return 0
  fi
  if ! out="$(mariadb --no-defaults --socket="$socket" -uroot --batch 2>&1 <<EOF
DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1'));
FLUSH PRIVILEGES;
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED BY '$password';
EOF
  )"; then
    log "cannot set the MariaDB root password ($socket): $out"
    return 1
  fi
  if ! out="$(mdb_sql "$cnf" -e 'SELECT 1' 2>&1)"; then
    log "the MariaDB root password was set but does not work: $out"
    return 1
  fi
}

# mdb_stop PID NAME: SIGTERM (a clean InnoDB shutdown), then waits for the process to exit.
mdb_stop() {
  stop_pid "$1" "$2" 120
}
