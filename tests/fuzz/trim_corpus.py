#!/usr/bin/env python3
"""Picks a small corpus from a libFuzzer merge control file.

-merge=1 keeps every input that adds a feature, which for the API targets is many hundreds
(the generated protobuf parsers alone have thousands of edges). This picks, greedily, the inputs
that add the most coverage edges (the control file's COV lines), always keeping the seed-* files,
until CAP files or nothing adds an edge:

  BINARY -merge=1 -use_counters=0 -max_len=4096 -merge_control_file=CTL EMPTY_DIR \\
      tests/fuzz/corpus/NAME WORK_DIR/corpus
  tests/fuzz/trim_corpus.py CTL OUT_DIR 300
  rm -r tests/fuzz/corpus/NAME && mv OUT_DIR tests/fuzz/corpus/NAME
"""
import os
import shutil
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    control, out, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lines = open(control).read().split('\n')
    count = int(lines[0])
    files = lines[2:2 + count]
    edges = {}
    for line in lines[2 + count:]:
        if line.startswith('COV '):
            parts = line.split()
            edges[int(parts[1])] = set(parts[2:])
    everything = set().union(*edges.values()) if edges else set()
    chosen = [i for i, f in enumerate(files) if os.path.basename(f).startswith('seed-')]
    covered = set().union(*(edges.get(i, set()) for i in chosen)) if chosen else set()
    rest = {i: e for i, e in edges.items() if i not in chosen}
    while len(chosen) < cap and rest:
        best = max(rest, key=lambda i: (len(rest[i] - covered), -os.path.getsize(files[i])))
        if not rest[best] - covered:
            break
        chosen.append(best)
        covered |= rest.pop(best)
    os.makedirs(out, exist_ok=True)
    for i in chosen:
        shutil.copy(files[i], os.path.join(out, os.path.basename(files[i])))
    print(f'{len(chosen)} files cover {len(covered)} of {len(everything)} edges')


if __name__ == '__main__':
    main()
