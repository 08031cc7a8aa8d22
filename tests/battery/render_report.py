#!/usr/bin/env python3
"""Writes docs/reliability.md from what one run of the battery recorded (scripts/battery).

Input: the figures (JSON lines from tests/battery/battery_report.h) and ctest's log of the run.
Output (stdout): Markdown. Everything in it comes from the run, except the one-line description
of each section, which says what the section's tests check.
"""
import argparse
import collections
import json
import re
import sys

# What each section checks, in the report's order (sections the battery records but this list
# does not know go last, in the order first recorded).
SECTIONS = [
    ("Tenant isolation",
     "Every method of the three services, enumerated from their descriptors, called as each role "
     "with ids owned by another college; denied calls must leave every table's checksum as it was. "
     "Then every List method's page token, replayed by callers other than the one it was issued to."),
    ("Races for the last places",
     "Concurrent Enroll calls for the last seats of a run (each trainee twice at once) and "
     "concurrent approvals for the last places of a quota."),
    ("Idempotency under a lost response",
     "One mutation of each service (Enroll, CreateCourseRun, Nominate) whose response is "
     "dropped after the server committed (a TCP proxy throws it away); the client's connection "
     "drops and it retries twice with the same request_id."),
    ("kill -9 of a service under write load",
     "The enrollment service is killed in the middle of an Enroll load and restarted; clients "
     "retry with their request_ids. Then the course service is killed while its runs change, and "
     "the enrollment service's mirror must catch up."),
    ("kill -9 of MariaDB under write load",
     "MariaDB (with durable commits) is killed several times in the middle of one Enroll load and "
     "restarted, every second time after hanging it (SIGSTOP) until health says NOT_SERVING; the "
     "services are not restarted."),
    ("database connection cut with the COMMIT on the wire",
     "A proxy between the services and MariaDB resets the connection of a write's COMMIT before "
     "the server sees it: the transaction rolls back, so the call must not be acknowledged, and "
     "the client's retry with the same request_id stores it once."),
    ("MariaDB hung (SIGSTOP) and resumed (SIGCONT)",
     "Calls while the database hangs, health of the three services, and recovery on SIGCONT "
     "without a restart; the write caught by the hang must not commit later."),
    ("A peer service hung or down",
     "The exchange service nominates a trainee, which needs the enrollment service, while that "
     "service is stopped (SIGSTOP) and then killed."),
    ("Deadlines",
     "A call held in the database past its deadline by a row lock the test takes, directly and "
     "after a peer call; the lock is released after the client saw DEADLINE_EXCEEDED."),
    ("SIGTERM under load",
     "SIGTERM to the enrollment service during an Enroll load: health NOT_SERVING, the calls in "
     "flight finish, a clean exit; the load completes after a restart."),
    ("Limits",
     "Oversized messages and metadata, huge page sizes, many repeated elements, many streams."),
    ("Galera: races through two replicas on three nodes",
     "The races above on a three-node MariaDB Galera cluster with two replicas of every service, "
     "each replica at a node of its own: the racing writes reach different replicas and nodes, "
     "then every node must hold the same rows (table checksums)."),
    ("Galera: migrators starting together on every node",
     "Three migrators of one new schema, one per node, released together: the lease row they "
     "race for is certified like any write, so each migration is applied once."),
    ("Galera: read-your-writes across replicas and nodes",
     "Each run created through one course replica and opened at once through the other, on "
     "another node: the second call must find what the first acknowledged."),
    ("Galera: writes against one server (same machine, same run)",
     "The same Enroll load (8 callers) through two replicas on the three-node cluster and "
     "through one replica on one MariaDB server, on the same machine in the same run, in "
     "interleaved rounds (medians): what synchronous replication costs per write. Figures only; "
     "nothing is asserted on them."),
    ("Galera: kill -9 of a node under write load",
     "A node killed in the middle of an Enroll load spread over both replicas and all nodes: the "
     "writes go on through the other two; the node is started again with the position recovered "
     "from its data and must catch up by incremental transfer (IST); every acknowledged write "
     "stored, the feed complete, the three nodes' tables equal."),
    ("Galera: SIGSTOP of a node under write load",
     "A node hung (SIGSTOP) under the load: the other two evict it and go on as the primary "
     "component; resumed, it rejoins and converges."),
    ("Galera: kill -9 of a service replica under write load",
     "One replica of the enrollment service and one of the course service killed under the "
     "load: callers move to the other replica, the enrollment replicas follow the course feed "
     "through the course replica left."),
    ("Galera: rolling restart of every replica and node under load",
     "Every service replica, then every node, restarted one at a time under the load: no call "
     "fails except those retried to success, no node takes a full copy (SST)."),
]


def format_value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ctest_summary(log):
    summary = re.search(r"(\d+)% tests passed, (\d+) tests failed out of (\d+)", log)
    total_time = re.search(r"Total Test time \(real\) = +([\d.]+) sec", log)
    results = []
    for match in re.finditer(
            r"Test +#\d+: (battery\.\S+) \.+\s*(Passed|\*\*\*Failed|\*\*\*Not Run|\*\*\*Skipped|"
            r"\*\*\*Timeout|Exception)[^\n]*?([\d.]+) sec", log):
        results.append((match.group(1), match.group(2).strip("*"), float(match.group(3))))
    return summary, total_time, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--figures", required=True)
    parser.add_argument("--ctest-log", required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--started", required=True)
    parser.add_argument("--finished", required=True)
    args = parser.parse_args()

    figures = collections.OrderedDict()  # section -> [(test, figure, value)]
    with open(args.figures, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            figures.setdefault(record["section"], []).append(
                (f'{record["suite"]}.{record["test"]}', record["figure"], record["value"]))
    with open(args.ctest_log, encoding="utf-8", errors="replace") as log_file:
        summary, total_time, results = ctest_summary(log_file.read())

    out = sys.stdout
    out.write("# Reliability: what the battery checked, and what it saw\n\n")
    out.write("This file is written by `scripts/battery"
              f"{' --full' if args.mode == 'full' else ''}` from the figures the battery's tests "
              "recorded while they ran (tests/battery, `RecordFigure`); do not edit it by hand. "
              "CI runs the same tests reduced on every change (`scripts/test`).\n\n")
    out.write(f"- Run: {args.mode} battery, commit {args.commit}, "
              f"{args.started} to {args.finished}.\n")
    if summary:
        out.write(f"- ctest: {summary.group(3)} battery tests, {summary.group(2)} failed"
                  f"{f', {float(total_time.group(1)):.0f} s' if total_time else ''}.\n")
    else:
        out.write("- ctest: no summary in the log (the build or the database failed before "
                  "the tests ran).\n")
    failed = [name for name, result, _ in results if result != "Passed"]
    if failed:
        out.write(f"- **Failed:** {', '.join(failed)}.\n")
    out.write("\n")

    known = [name for name, _ in SECTIONS]
    order = known + [name for name in figures if name not in known]
    descriptions = dict(SECTIONS)
    for section in order:
        rows = figures.get(section)
        out.write(f"## {section}\n\n")
        if section in descriptions:
            out.write(descriptions[section] + "\n\n")
        if not rows:
            out.write("No figures recorded in this run (the test did not run or failed before "
                      "recording).\n\n")
            continue
        out.write("| figure | value | test |\n|---|---:|---|\n")
        # Grouped by test (stable: each test's figures in the order it recorded them), so the
        # report does not change with the order in which parallel tests happened to finish.
        for test, figure, value in sorted(rows, key=lambda row: row[0]):
            out.write(f"| {figure} | {format_value(value)} | `{test}` |\n")
        out.write("\n")

    if results:
        out.write("## Test cases of this run\n\n| test | result | seconds |\n|---|---|---:|\n")
        for name, result, seconds in sorted(results):
            out.write(f"| `{name}` | {result} | {seconds:.1f} |\n")
        out.write("\n")


if __name__ == "__main__":
    main()
