"""The `poseexplorer` command: the GUI by default, headless subcommands for batch work.

Only argument parsing lives here; each subcommand imports its module lazily so `--help` needs
neither a display nor torch.
"""
from __future__ import annotations

import argparse
import sys


def build_parser(with_paths: bool = True, with_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="poseexplorer",
        description="Pose Explorer: find and compare human poses across camera views. "
        "Without a subcommand it opens the main window.",
    )
    parser.add_argument("--library", metavar="FILE", help="pose library file (default: the last one used, "
                        "or poses.sqlite in the user data folder)")
    parser.add_argument("--model", metavar="FILE", help="model weights (default: the bundled Pr-VIPE model)")
    if with_paths:  # a greedy nargs="*" positional would swallow the subcommand name (argparse limitation)
        parser.add_argument("paths", nargs="*", metavar="PATH", help="videos or image folders to add on start")
    if with_commands:
        sub = parser.add_subparsers(dest="command", metavar="COMMAND")
        _register_headless_commands(sub)
    else:
        parser.set_defaults(command=None)
    return parser


def _register_headless_commands(sub: argparse._SubParsersAction) -> None:
    """Subcommands of headless packages register themselves here (library: index, export)."""
    try:
        from .library.commands import register
    except ImportError:  # the library package is not there yet
        return
    register(sub)


_SUBCOMMANDS = ("index", "export")
_VALUE_OPTIONS = ("--library", "--model")


def _first_positional(argv: list[str]) -> str | None:
    """The first positional argument, skipping top-level options and their values."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _names_subcommand(argv: list[str]) -> bool:
    """True when the first positional argument (skipping top-level options) is a subcommand."""
    return _first_positional(argv) in _SUBCOMMANDS


def parser_for(argv: list[str]) -> argparse.ArgumentParser:
    """argparse cannot mix a nargs="*" positional with subcommands: `poseexplorer index a.mp4` would give
    paths=["index"], and `poseexplorer a.mp4` would take a.mp4 for a command. So the parser depends on
    the first positional: a subcommand (no PATH positional), a path (no subcommands), or none (both,
    for --help and a bare start)."""
    first = _first_positional(argv)
    if first is None:
        return build_parser()
    if first in _SUBCOMMANDS:
        return build_parser(with_paths=False)
    return build_parser(with_commands=False)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = parser_for(argv)
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is not None:
        return int(args.run(args) or 0)
    from .gui.app import run_app

    return run_app(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
