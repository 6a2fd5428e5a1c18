"""`python -m bot`: run the bot, or use the engine offline (`digest`, `ask`)."""

from __future__ import annotations

import sys

OFFLINE_COMMANDS = ("digest", "ask")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in OFFLINE_COMMANDS:
        from bot.cli import main as offline_main

        return offline_main(args)
    from bot.runner import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
