"""The CLI's exit codes and the one place that turns an exception into a line an operator can act on.

Every command ends through :func:`explain`: a known mistake (stack not running,
unknown workflow id, an operation that does not allow what was asked) gets one
sentence with the fix and its own exit code; nothing reaches the terminal as a
traceback.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from momoflow.models import PaymentState, PaymentStatus
from momoflow.temporal import TemporalConfigError, TemporalConnectError
from starter.facade import OperationFailed, StartError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2
EXIT_NOT_FINAL = 3
EXIT_NOT_FOUND = 4
EXIT_UNREACHABLE = 5
EXIT_NOT_ALLOWED = 6
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0    done: the operation is SUCCESSFUL, or the command did what it was asked
  1    the operation is FAILED, or MoMo refused it
  2    bad input or configuration: nothing was started
  3    not final yet: UNKNOWN, or still pending when not waiting (--no-wait, --timeout)
  4    no such workflow id
  5    cannot reach or use Temporal (stack not running, wrong TEMPORAL_ADDRESS,
       no worker answering, CODEC_KEYS missing)
  6    not allowed in the operation's current state (e.g. cancel a paid invoice,
       resolve a payment that is not UNKNOWN)
  130  interrupted (Ctrl-C); a started operation goes on
"""


def exit_code_for(state: PaymentState) -> int:
    """What a payment's status means for a script."""
    if state.status is PaymentStatus.SUCCESSFUL:
        return EXIT_OK
    if state.status is PaymentStatus.FAILED:
        return EXIT_FAILED
    return EXIT_NOT_FINAL


class CliError(Exception):
    """A failure the CLI explains itself: ``kind`` names it for scripts (``--json``)."""

    def __init__(self, kind: str, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.exit_code = exit_code


class NotAllowed(CliError):
    def __init__(self, message: str) -> None:
        super().__init__("not_allowed", message, EXIT_NOT_ALLOWED)


class NotFound(CliError):
    def __init__(self, workflow_id: str) -> None:
        super().__init__(
            "not_found",
            f"no workflow with id {workflow_id!r}; find payments with: python -m starter list",
            EXIT_NOT_FOUND,
        )


@dataclass
class Context:
    """What the command had done when it stopped; errors after a start name the workflow."""

    address: str
    workflow_id: str | None = None  # the operation this command started or addresses
    started: bool = False  # True once this command has started it

    def status_command(self) -> str:
        return f"python -m starter status {self.workflow_id}"


def _unreachable(context: Context) -> CliError:
    return CliError(
        "unreachable",
        f"cannot reach Temporal at {context.address}: start the stack with `make run`"
        " or set TEMPORAL_ADDRESS to your server",
        EXIT_UNREACHABLE,
    )


def explain(exc: BaseException, context: Context) -> CliError:
    """Map any exception to one message with its fix and an exit code."""
    error = _classify(exc, context)
    if context.started and error.exit_code != EXIT_INTERRUPTED and str(context.workflow_id) not in error.message:
        error.message += f" (workflow {context.workflow_id}; check it with: {context.status_command()})"
    return error


def _classify(exc: BaseException, context: Context) -> CliError:
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):
        if context.workflow_id is None:
            return CliError("interrupted", "interrupted; nothing was started", EXIT_INTERRUPTED)
        if not context.started:
            return CliError("interrupted", "interrupted", EXIT_INTERRUPTED)
        return CliError(
            "interrupted",
            f"interrupted: stopped following, the operation {context.workflow_id} goes on;"
            f" check it with: {context.status_command()}",
            EXIT_INTERRUPTED,
        )
    if isinstance(exc, TemporalConfigError):
        return CliError("config", str(exc), EXIT_INPUT)
    if isinstance(exc, TemporalConnectError):
        return CliError("unreachable", str(exc), EXIT_UNREACHABLE)
    if isinstance(exc, StartError):
        # Raised by the facade only before a start; after one it means the request itself was refused.
        return CliError("bad_input", str(exc), EXIT_NOT_ALLOWED if context.started else EXIT_INPUT)
    if isinstance(exc, OperationFailed):
        return CliError("refused", f"refused by MoMo: {exc}", EXIT_FAILED)
    if isinstance(exc, WorkflowUpdateFailedError):
        return NotAllowed(str(exc.cause or exc))
    if isinstance(exc, RPCError):
        if exc.status is RPCStatusCode.NOT_FOUND and context.workflow_id is not None:
            return NotFound(context.workflow_id)
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return _unreachable(context)
        return CliError("temporal_error", f"Temporal refused the call: {exc.message}", EXIT_UNREACHABLE)
    if isinstance(exc, RuntimeError) and "connect" in str(exc).lower():
        return _unreachable(context)
    if isinstance(exc, KeyError) and "binary/encrypted" in str(exc):
        return CliError(
            "no_codec_key",
            "the workflow's data is encrypted and no key is configured: set CODEC_KEYS"
            " (make run keeps its key in data/codec-keys, read from the project folder)",
            EXIT_UNREACHABLE,
        )
    return CliError("internal", f"unexpected error: {type(exc).__name__}: {exc}", EXIT_FAILED)
