"""User-facing errors.

Anything a user can cause (a bad option, a missing file, a run folder from elsewhere) raises
`OtganError` with a one-line message that names the bad value.  The CLI turns it into exit code 2
with that line and no traceback; the Python API lets it propagate.
"""


class OtganError(Exception):
    """A problem with the user's input, reported as one line."""


class ConfigError(OtganError, ValueError):
    """An invalid configuration key or value."""


class DataError(OtganError, ValueError):
    """A dataset that cannot be loaded or does not fit the model."""


class RunFolderError(OtganError):
    """A run folder that is missing, unreadable, or not compatible with the request."""


class DamagedFile(RunFolderError):
    """A file otgan wrote in one of its folders that cannot be read as what it was (truncated,
    emptied, replaced, edited): the folder's owner may set it aside and carry on."""
