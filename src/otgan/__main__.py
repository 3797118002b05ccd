"""``python -m otgan`` (and ``torchrun -m otgan``) runs the CLI."""

from .cli import main

main()
