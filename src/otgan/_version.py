"""The package version, in a module of its own so that any layer may read it."""

__version__ = "0.1.0"
#: the version of otgan's built-in data sets: raised whenever the points a built-in set draws
#: for a given name and seed change (a run records it; resuming across a change is refused)
DATA_VERSION = 1
