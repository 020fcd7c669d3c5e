"""Run the whole momoflow stack locally: Temporal dev server, sandbox, gateway and worker.

Used by ``make run``, by the integration tests and by the benchmark, so all
three exercise the same processes a newcomer runs.
"""

from devstack.stack import Stack, StackConfig

__all__ = ["Stack", "StackConfig"]
