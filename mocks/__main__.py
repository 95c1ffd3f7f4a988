"""``python -m tilts.mocks``: serve every mock service until stopped.

Options are those of ``spec/README.md`` (``tilts mocks serve`` calls
:func:`mocks.serve_command`). Precedence: built-in defaults < ``--config`` file < options.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import sys

from tilts.kernel.errors import TiltsError
from tilts.mocks.command import build_config, serve
from tilts.mocks.config import MockConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tilts.mocks", description=__doc__)
    parser.add_argument("serve", nargs="?", help="(optional verb, the only one)")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--persons", type=int)
    parser.add_argument("--today", help="initial 'today' (YYYY-MM-DD)")
    parser.add_argument("--admin", dest="admin", action="store_true", default=None)
    parser.add_argument("--no-admin", dest="admin", action="store_false")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--tls-ca")
    parser.add_argument("--require-client-cert", action="store_true", default=None)
    parser.add_argument("--no-rate-limits", action="store_true", default=None)
    parser.add_argument("--config", dest="config_file")
    parser.add_argument("--token-ttl", type=int, dest="token_ttl_s")
    parser.add_argument("--fd", type=int, help="serve on this inherited, bound socket")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        config = _config(args)
    except TiltsError as exc:  # a bad option or config file: its message, exit 2
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    sock = socket.socket(fileno=args.fd) if args.fd is not None else None
    with contextlib.suppress(KeyboardInterrupt):
        serve(config, sock)
    return 0


def _config(args: argparse.Namespace) -> MockConfig:
    return build_config(
        args.host,
        args.port,
        args.seed,
        args.persons,
        args.admin,
        args.tls_cert,
        args.tls_key,
        args.tls_ca,
        args.require_client_cert,
        args.no_rate_limits,
        args.config_file,
        args.today,
        args.token_ttl_s,
    )


if __name__ == "__main__":
    sys.exit(main())
