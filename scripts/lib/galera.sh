# shellcheck shell=bash
# MariaDB Galera nodes as ordinary processes on 127.0.0.1 (scripts/dev up --ha): each node's option
# file, which node may start a new cluster, and a node's state. Sourced after common.sh and
# mariadb.sh.

LUBAN_GALERA_CNF="$LUBAN_ROOT/deploy/mariadb/galera.cnf"

# galera_write_cnf FILE NAME GCOMM_PORT IST_PORT SST_PORT CLUSTER_ADDRESS SST_PASSWORD: a node's
# option file (my.cnf, galera.cnf, then what is the node's own), readable by its owner only: it
# holds the password the state transfer logs in with.
galera_write_cnf() {
  local file="$1" name="$2" gcomm="$3" ist="$4" sst="$5" cluster="$6" password="$7"
  (
    umask 077
    cat >"$file" <<EOF_CNF
# Galera node $name of the local cluster (written by scripts/dev up --ha).
!include $LUBAN_MY_CNF
!include $LUBAN_GALERA_CNF
[mariadbd]
wsrep_node_name = $name
wsrep_node_address = 127.0.0.1:$gcomm
wsrep_cluster_address = $cluster
wsrep_provider_options = "gmcast.listen_addr=tcp://127.0.0.1:$gcomm;ist.recv_addr=127.0.0.1:$ist"
wsrep_sst_receive_address = 127.0.0.1:$sst
wsrep_sst_auth = root:$password
EOF_CNF
  )
}

# galera_seqno DATADIR: the last transaction the node's data holds (grastate.dat after a clean
# stop; -1 when unknown, e.g. after a crash), or nothing when the node never ran.
galera_seqno() {
  sed -n 's/^seqno:[[:space:]]*//p' "$1/grastate.dat" 2>/dev/null
}

# galera_recover_position CNF DATADIR LOG: the position (uuid:seqno) of the last transaction
# committed in DATADIR, which `mariadbd --wsrep-recover` reads from InnoDB (and exits), as Debian's
# galera_recovery does for systemd; nothing when it finds none. For a node that crashed (its
# grastate.dat says seqno -1): started with --wsrep-start-position=<it>, the node receives only
# what it missed (IST) instead of a copy of a donor's whole data, and its seqno says how far its
# data goes.
galera_recover_position() {
  local cnf="$1" datadir="$2" log_file="$3" user_args
  mapfile -t user_args < <(mdb_user_args)
  rm -f -- "$log_file"
  mariadbd --defaults-file="$cnf" --datadir="$datadir" --wsrep-recover --log-error="$log_file" \
    "${user_args[@]}" </dev/null >/dev/null 2>&1 || return 0
  sed -n 's/.*WSREP: Recovered position: \([0-9a-f-]*:-\{0,1\}[0-9]*\).*/\1/p' "$log_file" | tail -n 1
}

# galera_safe_to_bootstrap DATADIR: true when the node was the last of its cluster to stop, so a
# new cluster started from its data loses nothing.
galera_safe_to_bootstrap() {
  grep -qE '^safe_to_bootstrap:[[:space:]]*1' "$1/grastate.dat" 2>/dev/null
}

# galera_mark_safe_to_bootstrap DATADIR: lets a new cluster start from this node's data.
galera_mark_safe_to_bootstrap() {
  sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$1/grastate.dat"
}

# galera_state CLIENT_CNF: "<state> <cluster size> <component>" of the node, e.g.
# "Synced 3 Primary"; nothing when it does not answer.
galera_state() {
  mdb_sql "$1" -e "SELECT MAX(IF(VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT', VARIABLE_VALUE, NULL)),
      MAX(IF(VARIABLE_NAME = 'WSREP_CLUSTER_SIZE', VARIABLE_VALUE, NULL)),
      MAX(IF(VARIABLE_NAME = 'WSREP_CLUSTER_STATUS', VARIABLE_VALUE, NULL))
    FROM information_schema.GLOBAL_STATUS" 2>/dev/null | tr '\t' ' '
}

# galera_await_synced CLIENT_CNF SIZE TIMEOUT: waits until the node is Synced in a primary
# component of SIZE nodes. Returns 1 on timeout.
galera_await_synced() {
  local cnf="$1" size="$2" deadline=$((SECONDS + $3))
  while [[ "$(galera_state "$cnf")" != "Synced $size Primary" ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}
