#!/usr/bin/env bash
# The deployment files' test (ctest: deploy_files): deploy/docker/Dockerfile statically (the
# console's stages against web/'s package.json, gateway tsconfig and config.ts too),
# deploy/compose.yaml through `docker-compose config` with secrets made by scripts/deploy-secrets
# in a temporary directory, the MariaDB init script's SQL, and every Kubernetes overlay through
# `kubectl kustomize` and checks of what it renders (tests/deploy/check_deploy.py says which).
#
#   tests/deploy/check.sh          exit 0 all passed, 1 a check failed, 77 skipped (no kubectl)
#
# Needs /usr/bin/python3 with PyYAML (python3-yaml, which Debian's docker-compose depends on),
# openssl, docker-compose (in LUBAN_PACKAGES) and kubectl.
set -euo pipefail

ROOT="$(cd "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
HERE="$ROOT/tests/deploy"
PY=/usr/bin/python3   # Debian's python, where python3-yaml is installed (not a pyenv shim)
failed=0
skipped=()

say() { printf '[deploy] %s\n' "$*"; }
fail() { say "FAIL: $*"; failed=1; }

if ! "$PY" -c 'import yaml' 2>/dev/null; then
  say "FAIL: $PY has no PyYAML: apt-get install python3-yaml (docker-compose brings it)"
  exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/luban-deploy-test.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

# --- Dockerfile -------------------------------------------------------------------------------
# (LUBAN_DEPLOY_SCRATCH: where the build stage's context is copied and configured.)
mkdir -p "$tmp/docker"
LUBAN_DEPLOY_SCRATCH="$tmp/docker" "$PY" "$HERE/check_deploy.py" dockerfile "$ROOT" ||
  fail "deploy/docker/Dockerfile"

# --- secrets script, init SQL, compose ---------------------------------------------------------
secrets="$tmp/secrets"
if LUBAN_CERT_DAYS=30 "$ROOT/scripts/deploy-secrets" "$secrets" >"$tmp/secrets.log" 2>&1; then
  for s in course enrollment exchange client; do
    openssl verify -CAfile "$secrets/ca.pem" "$secrets/$s.pem" >/dev/null 2>&1 ||
      fail "scripts/deploy-secrets: $s.pem does not verify against ca.pem"
    cn="$(openssl x509 -in "$secrets/$s.pem" -noout -subject -nameopt multiline |
      sed -n 's/^ *commonName *= *//p')"
    [[ "$cn" == "$s" ]] || fail "scripts/deploy-secrets: $s.pem has common name '$cn'"
    # The key matches the certificate.
    [[ "$(openssl x509 -in "$secrets/$s.pem" -noout -pubkey)" == \
       "$(openssl pkey -in "$secrets/$s.key" -pubout 2>/dev/null)" ]] ||
      fail "scripts/deploy-secrets: $s.key does not belong to $s.pem"
  done
  [[ "$(stat -c %a "$secrets")" == 700 ]] || fail "scripts/deploy-secrets: $secrets is not mode 0700"
  # Again: nothing is remade (the first run's files stay).
  sum_before="$(cat "$secrets"/*.pem "$secrets"/db_* | sha256sum)"
  "$ROOT/scripts/deploy-secrets" "$secrets" >>"$tmp/secrets.log" 2>&1 ||
    fail "scripts/deploy-secrets failed on its second run"
  [[ "$(cat "$secrets"/*.pem "$secrets"/db_* | sha256sum)" == "$sum_before" ]] ||
    fail "scripts/deploy-secrets: a second run changed existing secrets"
  # Every token file has its hash in the credentials file.
  for t in "$secrets"/tokens/*; do
    hash="$(head -n1 "$t" | tr -d '\n' | sha256sum | cut -d' ' -f1)"
    grep -q "^$hash " "$secrets/credentials.txt" ||
      fail "scripts/deploy-secrets: the hash of tokens/${t##*/} is not in credentials.txt"
  done
else
  cat "$tmp/secrets.log" >&2
  fail "scripts/deploy-secrets failed"
fi

# The MariaDB init script as the image's entry point runs it: sourced under `set -e`, with the
# entry point's docker_process_sql (here: keeps the SQL it is given, for check_deploy.py).
initdb_sql="$tmp/initdb.sql"
LUBAN_INITDB_SECRETS="$secrets" OUT="$initdb_sql" bash -ec \
  'docker_process_sql() { cat >"$OUT"; }; source "$1"' initdb \
  "$ROOT/deploy/mariadb/initdb/10-luban-schemas.sh" || fail "the MariaDB init script failed"
# Without a password file it must fail (the entry point then stops the first start).
if LUBAN_INITDB_SECRETS="$tmp/nowhere" bash -ec 'docker_process_sql() { cat >/dev/null; }; source "$1"' \
  initdb "$ROOT/deploy/mariadb/initdb/10-luban-schemas.sh" 2>/dev/null; then
  fail "the MariaDB init script succeeds without its password files"
fi

if command -v docker-compose >/dev/null 2>&1; then
  export LUBAN_SECRETS_DIR="$secrets"
  if docker-compose -f "$ROOT/deploy/compose.yaml" config -q 2>"$tmp/compose.err" &&
    docker-compose -f "$ROOT/deploy/compose.yaml" config >"$tmp/compose.yaml" 2>>"$tmp/compose.err"; then
    say "docker-compose -f deploy/compose.yaml config -q: valid"
    "$PY" "$HERE/check_deploy.py" compose "$ROOT" "$tmp/compose.yaml" "$secrets" "$initdb_sql" ||
      fail "deploy/compose.yaml"
  else
    cat "$tmp/compose.err" >&2
    fail "docker-compose -f deploy/compose.yaml config"
  fi
  unset LUBAN_SECRETS_DIR
elif [[ "${CI:-}" == true ]]; then
  fail "docker-compose is not installed (scripts/lib/common.sh's LUBAN_PACKAGES has it)"
else
  say "docker-compose not installed: deploy/compose.yaml NOT checked (apt-get install docker-compose)"
  skipped+=(compose)
fi

# --- Kubernetes -------------------------------------------------------------------------------
if command -v kubectl >/dev/null 2>&1; then
  overlays=()
  for dir in "$ROOT"/deploy/k8s/overlays/*/; do
    overlays+=("$(basename -- "$dir")")
  done
  ((${#overlays[@]} > 0)) || fail "no overlay in deploy/k8s/overlays"
  for o in "${overlays[@]}"; do
    if kubectl kustomize "$ROOT/deploy/k8s/overlays/$o" >"$tmp/k8s-$o.yaml" 2>"$tmp/k8s-$o.err"; then
      say "kubectl kustomize deploy/k8s/overlays/$o: $(grep -c '^kind:' "$tmp/k8s-$o.yaml") objects"
      "$PY" "$HERE/check_deploy.py" k8s "$ROOT" "$o" "$tmp/k8s-$o.yaml" ||
        fail "deploy/k8s/overlays/$o"
    else
      cat "$tmp/k8s-$o.err" >&2
      fail "kubectl kustomize deploy/k8s/overlays/$o"
    fi
  done
  for o in dev prod ha; do
    [[ " ${overlays[*]} " == *" $o "* ]] || fail "no overlay $o"
  done
else
  say "kubectl not installed: the Kubernetes manifests were NOT checked (install kubectl)"
  skipped+=(kubernetes)
fi

if ((failed)); then
  say "FAILED"
  exit 1
fi
if ((${#skipped[@]} > 0)); then
  say "SKIPPED (${skipped[*]} not checked; everything else passed)"
  exit 77
fi
say "all deployment checks passed"
