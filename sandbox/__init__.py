"""A local simulator of MTN's MoMo Wallet Platform (sandbox flavour).

It answers the real paths with the real status codes and bodies, approves or
fails payments the way MTN's documented test numbers do, delivers callbacks,
and can inject faults, so the rest of momoflow can be exercised end to end
without MTN credentials. Start it with ``python -m sandbox``; embed it with
:func:`sandbox.app.create_app`.
"""

from sandbox.app import create_app
from sandbox.settings import SandboxSettings

__all__ = ["SandboxSettings", "create_app"]
