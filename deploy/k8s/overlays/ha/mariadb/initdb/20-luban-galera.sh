# shellcheck shell=bash
# Sourced by the mariadb image's entry point on a Galera member's first start, after
# 10-luban-schemas.sh: the account a donor backs itself up with for a joining member's state
# transfer (wsrep_sst_auth, which start.sh writes from the same Secret, luban-db-sst). It connects
# over the socket only ('localhost' with skip-name-resolve). A joiner's own first start makes it
# too; the transfer then replaces the joiner's data with the donor's, this account included.

luban_galera_sql() {
  local file="${LUBAN_INITDB_SECRETS:-/run/secrets}/db_password_sst" pw
  if [[ ! -s "$file" ]]; then
    echo "20-luban-galera.sh: $file is missing or empty (Secret luban-db-sst)" >&2
    return 1
  fi
  IFS= read -r pw <"$file" || [[ -n "$pw" ]]
  pw="${pw//\\/\\\\}"
  pw="${pw//\'/\\\'}"
  printf "CREATE USER IF NOT EXISTS 'mariabackup'@'localhost' IDENTIFIED BY '%s';\n" "$pw"
  printf "ALTER USER 'mariabackup'@'localhost' IDENTIFIED BY '%s';\n" "$pw"
  # mariadb-backup's needs on 10.11 (BINLOG MONITOR is 10.5's name for REPLICATION CLIENT).
  printf "GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'mariabackup'@'localhost';\n"
}

# Made first, so that a missing password stops the first start instead of leaving a member that
# cannot donate.
if ! luban_galera_statements="$(luban_galera_sql)"; then
  # shellcheck disable=SC2317  # exit when run, return when sourced
  return 1 2>/dev/null || exit 1
fi
docker_process_sql <<<"$luban_galera_statements"
unset luban_galera_statements
