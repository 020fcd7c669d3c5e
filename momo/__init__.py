"""An async client for the MTN MoMo Open API, usable with or without Temporal."""

from momo.client import CollectionClient, DisbursementClient, MomoCredentials
from momo.errors import (
    MomoAuthError,
    MomoBusinessError,
    MomoConflictError,
    MomoError,
    MomoNotFoundError,
    MomoTransientError,
)

__all__ = [
    "CollectionClient",
    "DisbursementClient",
    "MomoAuthError",
    "MomoBusinessError",
    "MomoConflictError",
    "MomoCredentials",
    "MomoError",
    "MomoNotFoundError",
    "MomoTransientError",
]
