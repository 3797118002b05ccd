"""Training: building a run, the loop, evaluation during training, checkpoints, resuming.

``fit.py`` is the entry point (``train``, ``fit``, ``resume``); ``build.py`` makes or restores a
run; ``loop.py`` is the loop itself, which knows a method only through its losses and the run
folder only through hooks.
"""
