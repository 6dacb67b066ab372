"""`lxt`: the command line, a thin layer over toolkit functions (DESIGN.md, "Command line").

Exit status 0 on success, 1 on a user error (one line per problem, no traceback), 2 on bad
usage. Each area of the toolkit adds its commands from its own module in
``toolkit/cli/`` so that the CLI stays small and every command calls a tested function.
"""

from __future__ import annotations

import os
import sys

import typer

from toolkit.errors import UserError
from toolkit.offline import enforce_offline

app = typer.Typer(
    name="lxt",
    help="Lived Experience Toolkit: from peer research to coded, safe, linked evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported here so that `lxt --help` stays fast and each module owns its commands.
    from toolkit.cli import coding, foundation, outcomes, privacy, reports, scoring, topics

    for module in (foundation, scoring, privacy, coding, topics, outcomes, reports):
        module.register(app)


@app.command()
def version() -> None:
    """Print the toolkit version and the versions of the packages it relies on."""
    from toolkit.study.pipeline import package_versions

    for name, value in package_versions().items():
        typer.echo(f"{name} {value}")


_register()


def fail(lines: list[str]) -> None:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    raise SystemExit(1)


def main() -> None:
    """Console-script entry point: turn user errors into clean messages and exit 1."""
    enforce_offline()
    try:
        app(standalone_mode=False)
    except UserError as exc:
        fail(exc.lines)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        typer.echo(
            "Interrupted: nothing was half-written (outputs are written atomically).", err=True
        )
        raise SystemExit(130) from None
    except Exception as exc:
        # Usage errors (unknown option, missing argument) show their own message, exit 2.
        # Typer vendors its own click, so match on behaviour rather than on a class.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        if os.environ.get("LXT_DEBUG"):
            raise
        typer.echo(
            f"error: internal problem ({type(exc).__name__}: {exc}). This is a bug in the "
            "toolkit, not in your data; set LXT_DEBUG=1 to see the details and please report it.",
            err=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
