"""Errors that reach the user as one clear line and a defined exit code (never a traceback).
Every code is in README.md's exit table (tests/test_cli_exit_codes.py checks)."""

INTERNAL_ERROR_EXIT = 70  # a bug, not bad input (sysexits' EX_SOFTWARE)
INTERRUPTED_EXIT = 130  # Ctrl-C, as shells report SIGINT


class ToolchainError(Exception):
    """Base: bad input the user can fix. `exit_code` is what the CLI exits with."""

    exit_code = 2


class ModelError(ToolchainError):
    """The model file is missing, not a flatbuffer, truncated or corrupted."""


class BoardError(ToolchainError):
    """Unknown board, or a board file that is broken or incomplete."""


class UnsupportedError(ToolchainError):
    """An operator or tensor type the code generator has no kernel for."""


class DoesNotFitError(ToolchainError):
    """The model does not fit the board's flash or RAM."""

    exit_code = 3


class NetworkError(ToolchainError):
    """A step needs a network service (e.g. PlatformIO's registry) that cannot be reached."""

    exit_code = 4


class MismatchError(ToolchainError):
    """Outputs differ from the reference interpreter."""

    exit_code = 1
