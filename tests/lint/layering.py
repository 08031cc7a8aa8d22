#!/usr/bin/env python3
"""ctest `layering`: the layers' rules on the #include lines of common/ and services/.

The build (cmake/LubanLayers.cmake) checks what each layer's library links; a header can still
bring a layer in without a link (an inline function, a type), so this checks what each file
includes. Every rule names the files it governs and the includes they may not have; a file breaking
one is printed with the line and the rule, and the test fails.

  tests/lint/layering.py [--self-test]

--self-test feeds each rule a forbidden include and fails unless every one is caught.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RPC = [r"grpcpp/", r"grpc/", r"google/protobuf/", r"luban/.*\.pb\.h"]
DATABASE = [r"cppconn/", r"mysql_", r"common/db/", r"services/[a-z]+/storage/"]
METRICS = [r"prometheus/", r"common/metrics/"]
SERVER = [r"common/server/", r"spdlog/"]
CLIENTS = [r"common/client/", r"services/[a-z]+/clients?/"]
API = [r"common/api/", r"common/auth/", r"services/[a-z]+/api/"]

# (name, files governed, includes forbidden). A file matches the first rule whose pattern it does.
RULES = [
    ("the domain: no gRPC, protobuf, SQL, metrics, logging or outer layer",
     r"(common|services/[a-z]+)/domain/", RPC + DATABASE + METRICS + SERVER + CLIENTS + API),
    ("metrics: no gRPC, SQL or outer layer",
     r"common/metrics/", RPC + DATABASE + SERVER + CLIENTS + API),
    ("the stores: no gRPC, protobuf or outer layer",
     r"(common/db|services/[a-z]+/storage)/", RPC + SERVER + CLIENTS + API),
    ("auth: no SQL, metrics or server",
     r"common/auth/", DATABASE + METRICS + SERVER + CLIENTS),
    ("the Api: no SQL, metrics, server or peer clients (a service file, *_service.*, may)",
     r"(common/api/|services/[a-z]+/api/(?!.*_service\.(h|cc)$))", DATABASE + METRICS + SERVER +
     CLIENTS),
    ("the peer clients: no SQL, metrics or server",
     r"(common/client|services/[a-z]+/clients?)/", DATABASE + METRICS + [r"common/server/"]),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def rule_of(path):
    for rule in RULES:
        if re.match(rule[1], path):
            return rule
    return None


def violations(path, lines):
    rule = rule_of(path)
    if rule is None:
        return []
    found = []
    for number, line in enumerate(lines, 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        header = m.group(1)
        for pattern in rule[2]:
            if re.match(pattern, header):
                found.append(f"{path}:{number}: includes {header}: {rule[0]}")
                break
    return found


def self_test():
    samples = {
        "common/domain/x.cc": "grpcpp/grpcpp.h",
        "services/course/domain/x.h": "common/db/pool.h",
        "common/metrics/x.cc": "cppconn/connection.h",
        "services/enrollment/storage/x.cc": "luban/enrollment/v1/enrollment.pb.h",
        "common/auth/x.cc": "common/server/call.h",
        "services/exchange/api/exchange_api.cc": "common/server/rpc.h",
        "common/client/x.cc": "common/db/transaction.h",
    }
    missed = [p for p, h in samples.items() if not violations(p, [f'#include "{h}"'])]
    allowed = violations("services/exchange/api/exchange_service.cc", ['#include "common/server/rpc.h"'])
    if missed or allowed:
        print("layering self-test: missed", missed, "wrongly refused", allowed, file=sys.stderr)
        return 1
    print(f"layering self-test: {len(samples)} forbidden includes caught, a service file allowed")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    files = subprocess.run(["git", "ls-files", "--", "common", "services"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    files = [f for f in files if f.endswith((".h", ".cc"))]
    if not files:
        print("layering: no files (not a git checkout?)", file=sys.stderr)
        return 1
    found = []
    governed = 0
    for f in files:
        if rule_of(f):
            governed += 1
            found += violations(f, (ROOT / f).read_text(encoding="utf-8").splitlines())
    for v in found:
        print(v, file=sys.stderr)
    if found:
        return 1
    print(f"layering: {governed} files of {len(files)} under a rule, none breaks it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
