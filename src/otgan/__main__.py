"""``python -m otgan`` (and ``torchrun -m otgan``) runs the CLI."""

from .runtime.console import install

install()  # until cli.main calls it itself (then this line goes)

from .cli import main  # noqa: E402

main()
