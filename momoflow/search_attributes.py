"""Custom search attributes that make payments findable in the Web UI.

They must exist on the server before a workflow sets them: devstack registers
them on the dev server, docker-compose on the cluster, tests on their own
servers. None of them ever holds a phone number.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

STATUS = SearchAttributeKey.for_keyword("MomoStatus")
PRODUCT = SearchAttributeKey.for_keyword("MomoProduct")
REFERENCE_ID = SearchAttributeKey.for_keyword("MomoReferenceId")
EXTERNAL_ID = SearchAttributeKey.for_keyword("MomoExternalId")
ALL = (STATUS, PRODUCT, REFERENCE_ID, EXTERNAL_ID)


def dev_server_flags() -> list[str]:
    """``--search-attribute`` flags for ``temporal server start-dev``."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}=Keyword"]
    return flags
