"""Summarise a py-spy ``raw`` (collapsed stacks) profile of the worker.

``python -m bench.profile FILE`` prints where the worker's Python time went:
by package of the innermost frame (self time), by project function (inclusive
time) and by a few groups that matter for momoflow (logging, pydantic, the
workflow sandbox, httpx). With ``--gil`` sampling every sample is time a thread
held the GIL, i.e. Python CPU time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# Inclusive groups: a sample counts for a group if any frame of its stack matches.
GROUPS: dict[str, tuple[str, ...]] = {
    "logging (stdlib logging + structlog)": ("/logging/__init__.py", "/structlog/"),
    "momoflow log masking": ("momoflow/masking.py",),
    "pydantic (validation + serialisation)": ("/pydantic/", "/pydantic_core/"),
    "temporal data converter": ("temporalio/converter.py", "temporalio/contrib/pydantic.py"),
    "temporal workflow sandbox (imports, restrictions)": ("temporalio/worker/workflow_sandbox/",),
    "httpx / httpcore": ("/httpx/", "/httpcore/"),
    "callback URL signing": ("momoflow/callback_tokens.py",),
}


def _parse_frame(frame: str) -> tuple[str, str]:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip(), ""
    return match.group("func"), match.group("file")


def _category(path: str, project_root: str) -> str:
    if not path:
        return "<native or unknown>"
    if "site-packages/" in path:
        package = path.split("site-packages/", 1)[1].split("/", 1)[0]
        return package.removesuffix(".py")
    if project_root and path.startswith(project_root):
        relative = path[len(project_root) :].lstrip("/")
        return "momoflow:" + relative.split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in path:
        module = path.split("/lib/python3", 1)[1].split("/", 1)[-1]
        return "stdlib:" + module.split("/", 1)[0].removesuffix(".py")
    return path


def _is_project(path: str, project_root: str) -> bool:
    return bool(project_root) and path.startswith(project_root) and "site-packages/" not in path


def read_samples(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    samples: list[tuple[list[tuple[str, str]], int]] = []
    for line in path.read_text(errors="replace").splitlines():
        stack, sep, count = line.rpartition(" ")
        if not sep or not count.isdigit():
            continue  # a stack without frames still counts: the GIL was held outside Python code
        frames = [_parse_frame(f) for f in stack.split(";") if f]
        samples.append((frames, int(count)))
    return samples


def summarize(path: Path, project_root: Path | str = "", top: int = 25) -> dict[str, Any]:
    root = str(project_root).rstrip("/") + "/" if project_root else ""
    samples = read_samples(Path(path))
    total = sum(count for _, count in samples) or 1
    by_self: Counter[str] = Counter()
    by_project_function: Counter[str] = Counter()
    by_group: Counter[str] = Counter()
    project_self = 0
    for frames, count in samples:
        files = [file for _, file in frames]
        leaf_file = files[-1] if files else ""
        by_self[_category(leaf_file, root)] += count
        if _is_project(leaf_file, root):
            project_self += count
        seen: set[str] = set()
        for func, file in frames:
            if _is_project(file, root):
                name = f"{file[len(root) :]}:{func}"
                if name not in seen:
                    seen.add(name)
                    by_project_function[name] += count
        for group, markers in GROUPS.items():
            if any(marker in file for file in files for marker in markers):
                by_group[group] += count

    def shares(counter: Counter[str], limit: int) -> dict[str, float]:
        return {name: round(100.0 * n / total, 2) for name, n in counter.most_common(limit)}

    return {
        "samples": total,
        "self_pct_by_package": shares(by_self, top),
        "project_self_pct": round(100.0 * project_self / total, 2),
        "inclusive_pct_by_group": shares(by_group, len(GROUPS)),
        "inclusive_pct_by_project_function": shares(by_project_function, top),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--project-root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    json.dump(summarize(args.file, args.project_root, args.top), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
