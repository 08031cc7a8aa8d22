#!/bin/bash
# A Galera member's start (StatefulSet galera of deploy/k8s/overlays/ha): copies my.cnf and
# galera.cnf into /etc/mysql/conf.d, writes the member's own settings after them, chooses between
# joining the cluster and starting a new one, then runs the mariadb image's entry point (which first
# initializes an empty data directory, running /docker-entrypoint-initdb.d).
#
# A new cluster starts only from the first member (galera-0), only when its data directory is empty
# and no other member's pod exists: the first start. A member with data never starts a cluster by
# itself, since the others may hold later transactions: it waits until a member answers, or until
# an operator names it.
#
# Recovery after every member stopped (galera-0 waits, logging its grastate.dat each minute; under
# OrderedReady the others are not started until it is ready):
#   1. Choose the member to start from: the one whose /var/lib/mysql/data/grastate.dat says
#      safe_to_bootstrap: 1 (it left last and cleanly, e.g. galera-0 after a scale to 0), else the
#      one with the highest seqno (where it says -1, `mariadbd --wsrep-recover` run in the waiting
#      container logs the recovered position; a member started after a crash does this itself).
#   2. kubectl -n luban exec galera-N -- touch /var/lib/mysql/luban-bootstrap
#      That member sets safe_to_bootstrap: 1 and starts a new cluster from its data; the others
#      join it. For a member other than galera-0, docs/operations.md ("The ha overlay") says how to
#      start it first (the StatefulSet re-created with podManagementPolicy: Parallel meanwhile).
set -euo pipefail

datadir=/var/lib/mysql/data        # a directory of the volume, not its root (lost+found)
flag=/var/lib/mysql/luban-bootstrap
waiting=/run/mysqld/luban-waiting  # the liveness probe's "alive, waiting to start"
members="${LUBAN_GALERA_MEMBERS:?the members, e.g. galera-0.galera,galera-1.galera,galera-2.galera}"
first="${members%%[.,]*}"

log() { printf '%s [Note] [luban-galera] %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }

state() {
  if [[ -e "$datadir/grastate.dat" ]]; then
    sed -n 's/^\(seqno\|safe_to_bootstrap\):[[:space:]]*/\1 /p' "$datadir/grastate.dat" |
      paste -sd ' ' -
  else
    echo "no grastate.dat"
  fi
}

# The other members whose name resolves: their pods exist (the headless Service publishes them
# before they are ready).
existing() {
  local m
  for m in ${members//,/ }; do
    [[ "${m%%.*}" == "$HOSTNAME" ]] && continue
    getent hosts "$m" >/dev/null && echo "$m"
  done
  return 0
}

# The first other member that accepts a connection on Galera's port: its mariadbd runs.
answering() {
  local m
  for m in $(existing); do
    # shellcheck disable=SC2016  # $0 is the inner shell's: the member's name
    if timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/4567"' "$m" 2>/dev/null; then
      echo "$m"
      return 0
    fi
  done
  return 1
}

IFS= read -r sst_password </run/secrets/db_password_sst || [[ -n "$sst_password" ]]
# An option file's value: '#' would start a comment, quotes and backslashes are read specially.
if [[ ! "$sst_password" =~ ^[A-Za-z0-9._+/=-]+$ ]]; then
  log "Secret luban-db-sst: the password is empty or has characters an option file would change" \
    "(make one with openssl rand -hex 32)"
  exit 1
fi

mkdir -p "$datadir"
umask 077
cp /etc/luban/galera/my.cnf /etc/mysql/conf.d/10-luban.cnf
cp /etc/luban/galera/galera.cnf /etc/mysql/conf.d/20-luban-galera.cnf
# The node address is the pod's IP: a joiner's state transfer connects back to it, and the IP is
# right at once, while the pod's DNS name may still resolve to its previous pod's address.
cat >/etc/mysql/conf.d/30-luban-member.cnf <<EOF
# This member's own settings, written by start.sh at each start.
[mariadbd]
datadir = $datadir
bind-address = 0.0.0.0
wsrep_node_name = $HOSTNAME
wsrep_node_address = ${POD_IP:?the pod IP (downward API)}
wsrep_cluster_address = gcomm://$members
wsrep_sst_auth = mariabackup:$sst_password
EOF

trap 'rm -f -- "$waiting"; log "stopped while waiting"; exit 0' TERM INT
: >"$waiting"
new_cluster=()
round=0
while true; do
  if peer="$(answering)"; then
    log "joining the cluster through $peer"
    break
  fi
  if [[ -e "$flag" ]]; then
    rm -f -- "$flag"
    if [[ -e "$datadir/grastate.dat" ]]; then
      sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$datadir/grastate.dat"
    fi
    log "$flag: a new cluster from this member's data ($(state))"
    new_cluster=(--wsrep-new-cluster)
    break
  fi
  if [[ "$HOSTNAME" == "$first" && ! -e "$datadir/grastate.dat" && ! -d "$datadir/mysql" &&
        -z "$(existing)" ]]; then
    log "no other member exists and $datadir is empty: a new cluster"
    new_cluster=(--wsrep-new-cluster)
    break
  fi
  if ((round % 12 == 0)); then
    log "no other member answers: waiting for one, or for $flag (this member: $(state));" \
      "see the recovery steps at the top of start.sh"
  fi
  round=$((round + 1))
  sleep 5
done
rm -f -- "$waiting"
trap - TERM INT

# A member that crashed (grastate.dat says seqno -1) first reads the position of its last committed
# transaction from InnoDB (mariadbd --wsrep-recover, as Debian's galera_recovery does for systemd):
# started with it, it receives only what it missed (IST) instead of a copy of a donor's whole data.
start_position=()
if [[ -d "$datadir/mysql" &&
      "$(sed -n 's/^seqno:[[:space:]]*//p' "$datadir/grastate.dat" 2>/dev/null)" == -1 ]]; then
  recover_log=/run/mysqld/luban-wsrep-recover.log
  if mariadbd --wsrep-recover --log-error="$recover_log" </dev/null >/dev/null 2>&1; then
    position="$(sed -n 's/.*WSREP: Recovered position: \([0-9a-f-]*:-\{0,1\}[0-9]*\).*/\1/p' \
      "$recover_log" | tail -n 1)"
    if [[ -n "$position" ]]; then
      log "this member did not stop cleanly: its data goes to $position"
      start_position=(--wsrep-start-position="$position")
    fi
  fi
fi

exec docker-entrypoint.sh mariadbd "${new_cluster[@]}" "${start_position[@]}"
