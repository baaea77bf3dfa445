"""Summarise py-spy raw (collapsed) stacks: where the samples go, self and inclusive.

python -m bench.profile_report DIR_OR_FILES... [--top 25] [--match paygate_app]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"\s*\(([^()]*?):\d+\)$")


def _frame(raw: str) -> str:
    """'func (path/to/file.py:12)' → 'func (file.py)' so lines of one function add up."""
    m = _LINE.search(raw)
    if not m:
        return raw.strip()
    path = m.group(1)
    short = "/".join(Path(path).parts[-2:])
    return f"{raw[: m.start()].strip()} ({short})"


def load(paths: list[Path]) -> list[tuple[list[str], int]]:
    stacks = []
    for path in paths:
        files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
        for file in files:
            for line in file.read_text(errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if stack and count.isdigit():
                    stacks.append(([_frame(f) for f in stack.split(";")], int(count)))
    return stacks


def report(stacks: list[tuple[list[str], int]], top: int, match: str | None) -> str:
    total = sum(c for _, c in stacks) or 1
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    for frames, count in stacks:
        # process/thread frames first; skip idle samples (py-spy --idle not used, so all are active)
        own[frames[-1]] += count
        for f in set(frames):
            incl[f] += count
    lines = [f"{total} samples"]
    lines.append(f"\n-- self (top {top}) --")
    for f, c in own.most_common(top):
        lines.append(f"{100 * c / total:5.1f}%  {f}")
    lines.append(f"\n-- inclusive (top {top}{', matching ' + match if match else ''}) --")
    shown = 0
    for f, c in incl.most_common():
        if match and match not in f:
            continue
        lines.append(f"{100 * c / total:5.1f}%  {f}")
        shown += 1
        if shown >= top:
            break
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match")
    args = parser.parse_args()
    print(report(load(args.paths), args.top, args.match))


if __name__ == "__main__":
    main()
