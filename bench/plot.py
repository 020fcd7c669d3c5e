"""The scaling figure: confirmation latency, worker memory and database size against backlog size.

Drawn with matplotlib's Agg backend, so it needs no display; matplotlib comes with the
``bench`` extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def title(machine: dict[str, Any]) -> str:
    """Which machine the figures come from: they mean little without it."""
    return (
        f"Callback payments behind a polling backlog: {machine.get('cpu_count', '?')} cores, "
        f"{machine.get('platform', '?')}, Python {machine.get('python', '?')}, "
        f"temporalio {machine.get('temporalio', '?')}"
    )


def plot_scaling(result: dict[str, Any], path: Path) -> None:
    """Write the three panels of ``result["scaling"]`` to ``path`` as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    rows = result["scaling"]
    sizes = [r["backlog_size"] for r in rows]
    figure, (latency, memory, database) = pyplot.subplots(1, 3, figsize=(13, 4), layout="constrained")
    try:
        latency.plot(sizes, [r["confirm_p50_s"] for r in rows], "o-", label="p50")
        latency.plot(sizes, [r["confirm_p99_s"] for r in rows], "s--", label="p99")
        latency.set_title("Callback to SUCCESSFUL")
        latency.set_ylabel("confirmation latency (s)")
        latency.legend()
        memory.plot(sizes, [r["worker_rss_mb"] for r in rows], "o-", color="tab:green")
        memory.set_title("Worker memory")
        memory.set_ylabel("worker RSS (MB)")
        database.plot(sizes, [r["db_mb"] for r in rows], "o-", color="tab:red")
        database.set_title("Server database (SQLite + WAL)")
        database.set_ylabel("database size (MB)")
        for axes in (latency, memory, database):
            axes.set_xlabel("pending payments in the backlog")
            axes.set_xticks(sizes, [f"{size:,}" for size in sizes])
            axes.set_ylim(bottom=0)
            axes.grid(True, alpha=0.3)
        figure.suptitle(title(result.get("machine", {})), fontsize=10)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png", dpi=100)
    finally:
        pyplot.close(figure)
