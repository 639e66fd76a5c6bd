"""Errors of the aggregator stage (one clear line for the user, see toolchain.errors)."""
from toolchain.errors import ToolchainError


class AggregatorError(ToolchainError):
    """Bad database URL, unreadable teacher model, rejected token, unreachable service, ..."""


class StoreUnavailableError(AggregatorError):
    """The database could not be reached or answered with an error; the request may be retried."""
