"""The command line shape the training scripts share: one action flag picks the mode, none trains."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

Action = Callable[[argparse.Namespace], None]


def script_parser(description: str | None) -> argparse.ArgumentParser:
    """A parser that prints the script's docstring (its recipe) as written."""
    return argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def run_mode(parser: argparse.ArgumentParser, modes: Mapping[str, tuple[str, Action]], train: Action) -> None:
    """Add one `--flag` per mode, parse, and run the first mode asked for, or `train` when none is."""
    for flag, (help_text, _) in modes.items():
        parser.add_argument(flag, action="store_true", help=help_text)
    args = parser.parse_args()
    for flag, (_, action) in modes.items():
        if getattr(args, flag.removeprefix("--").replace("-", "_")):
            action(args)
            return
    train(args)
