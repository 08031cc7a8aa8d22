# shellcheck shell=bash
# A copy of deploy/mariadb/initdb/10-luban-schemas.sh (kustomize reads no file outside the overlay;
# tests/deploy checks that the commands are the same). Sourced by the mariadb image's entry point
# on a Galera member's first start (an empty data directory): one schema and one user per service,
# with rights on its own schema only. The passwords are the Secrets luban-db-<service>, mounted as
# /run/secrets/db_password_<service> like compose's secrets.

luban_initdb_sql() {
  local dir="${LUBAN_INITDB_SECRETS:-/run/secrets}" s db pw
  for s in course enrollment exchange; do
    db="luban_$s"
    if [[ ! -s "$dir/db_password_$s" ]]; then
      echo "10-luban-schemas.sh: $dir/db_password_$s is missing or empty" >&2
      return 1
    fi
    IFS= read -r pw <"$dir/db_password_$s" || [[ -n "$pw" ]]
    pw="${pw//\\/\\\\}"
    pw="${pw//\'/\\\'}"
    # shellcheck disable=SC2016  # the backquotes are SQL's
    printf 'CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;\n' "$db"
    # '%': the services connect from the compose network's addresses (skip-name-resolve).
    printf "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';\n" "$db" "$pw"
    printf "ALTER USER '%s'@'%%' IDENTIFIED BY '%s';\n" "$db" "$pw"
    printf "GRANT ALL PRIVILEGES ON \`%s\`.* TO '%s'@'%%';\n" "$db" "$db"
  done
}

# The SQL is made first, so that a missing password stops the first start (whatever the caller's
# pipefail) instead of leaving a database without its users.
if ! luban_initdb_statements="$(luban_initdb_sql)"; then
  # shellcheck disable=SC2317  # exit when run, return when sourced
  return 1 2>/dev/null || exit 1
fi
if [[ -n "${LUBAN_INITDB_SQL_OUT:-}" ]]; then
  printf '%s\n' "$luban_initdb_statements" >"$LUBAN_INITDB_SQL_OUT"
elif declare -F docker_process_sql >/dev/null; then
  docker_process_sql <<<"$luban_initdb_statements"
else
  echo "10-luban-schemas.sh: not run by the mariadb image's entry point; set LUBAN_INITDB_SQL_OUT" >&2
  # shellcheck disable=SC2317  # exit when run, return when sourced
  return 1 2>/dev/null || exit 1
fi
unset luban_initdb_statements
