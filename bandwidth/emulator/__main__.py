"""Run the Bandwidth emulator: ``python -m bandwidth.emulator --port 9900``.

Defaults: host 127.0.0.1, port 9900, account 9900000, OAuth2 client ``parley-dev`` /
``parley-dev-secret`` (token at ``POST /api/v1/oauth2/token``), and the same pair for Basic auth.
Every API is served at one origin:

- Messaging v2: ``/api/v2/users/{accountId}/messages``, ``/api/v2/users/{accountId}/media``
- Voice v2: ``/api/v2/accounts/{accountId}/calls``
- Numbers (Dashboard XML): ``/api/accounts/{accountId}/...``, also under ``/api/v1/accounts/``
- Simulation: ``/_sim/...``; a page for people at ``/``.

State lives in memory unless ``--state-file PATH`` is given: then the account (sites, locations,
applications with their callback credentials, numbers in service, orders, disconnects,
subscriptions, messages and media) is loaded from PATH at start when it exists, and saved to it
atomically at most every 0.5 s after a change and on SIGTERM/SIGINT. OAuth2 tokens, live calls,
rate limits, faults and callback retries are not kept; orders still RECEIVED complete, and
messages still sending get their delivery receipt, after a restart. A corrupt or unreadable PATH
stops the emulator with an error naming it (exit status 2) rather than overwriting it; move the
file away to start empty.
"""

from __future__ import annotations

import argparse
import logging
import signal
from types import FrameType

from werkzeug.serving import run_simple

from bandwidth.emulator.app import create_app
from bandwidth.emulator.config import EmulatorConfig, bandwidth_callback_retry_delays
from bandwidth.emulator.persistence import StateFileError


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def build_parser() -> argparse.ArgumentParser:
    defaults = EmulatorConfig()
    parser = argparse.ArgumentParser(
        prog="python -m bandwidth.emulator",
        description=__doc__,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--host", default=defaults.host, help="interface to listen on")
    parser.add_argument("--port", type=int, default=defaults.port, help="port to listen on")
    parser.add_argument("--account-id", default=defaults.account_id, help="Bandwidth account id")
    parser.add_argument("--client-id", default=defaults.client_id, help="OAuth2 client id")
    parser.add_argument(
        "--client-secret", default=defaults.client_secret, help="OAuth2 client secret"
    )
    parser.add_argument("--username", default=defaults.username, help="Basic auth API user")
    parser.add_argument("--password", default=defaults.password, help="Basic auth password")
    parser.add_argument(
        "--public-url",
        default="",
        help="origin callers use (in media and call URLs); default http://HOST:PORT",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=defaults.time_scale,
        help="multiplies every simulated delay (0.1 = ten times faster)",
    )
    parser.add_argument(
        "--order-complete-delay",
        type=float,
        default=defaults.order_complete_delay,
        help="seconds before a number order or disconnect completes",
    )
    parser.add_argument(
        "--message-rate-per-number",
        type=float,
        default=defaults.message_rate_per_number,
        help="segments per second each sending number may send",
    )
    parser.add_argument(
        "--message-rate-per-account",
        type=float,
        default=defaults.message_rate_per_account,
        help="segments per second the account may send",
    )
    parser.add_argument(
        "--message-queue-seconds",
        type=float,
        default=defaults.message_queue_seconds,
        help="seconds of backlog a sending queue holds before answering 429",
    )
    parser.add_argument(
        "--calls-per-second", type=float, default=defaults.calls_per_second, help="call CPS"
    )
    parser.add_argument(
        "--max-concurrent-calls",
        type=int,
        default=defaults.max_concurrent_calls,
        help="concurrent call limit",
    )
    parser.add_argument(
        "--token-ttl", type=int, default=defaults.token_ttl, help="OAuth2 token lifetime (s)"
    )
    parser.add_argument(
        "--callback-retry-scale",
        type=float,
        default=None,
        metavar="SCALE",
        help="retry failed callbacks over Bandwidth's 24 hours times SCALE (0.01: about 14 "
        "minutes, from 0.3 s apart up to 18 s apart); unset: "
        + ", ".join(f"{d:g}" for d in defaults.callback_retry_delays)
        + " s apart",
    )
    parser.add_argument(
        "--callback-workers",
        type=int,
        default=defaults.callback_workers,
        help="threads delivering callbacks concurrently (1 keeps them in order)",
    )
    parser.add_argument(
        "--state-file",
        metavar="PATH",
        default=defaults.state_file,
        help="JSON file that keeps the account state across restarts; none keeps it in memory",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    retry_delays = (
        EmulatorConfig.callback_retry_delays
        if args.callback_retry_scale is None
        else bandwidth_callback_retry_delays(args.callback_retry_scale)
    )
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        account_id=args.account_id,
        client_id=args.client_id,
        client_secret=args.client_secret,
        username=args.username,
        password=args.password,
        public_url=args.public_url,
        time_scale=args.time_scale,
        order_complete_delay=args.order_complete_delay,
        disconnect_complete_delay=args.order_complete_delay,
        message_rate_per_number=args.message_rate_per_number,
        message_rate_per_account=args.message_rate_per_account,
        message_queue_seconds=args.message_queue_seconds,
        calls_per_second=args.calls_per_second,
        max_concurrent_calls=args.max_concurrent_calls,
        token_ttl=args.token_ttl,
        state_file=args.state_file,
        callback_retry_delays=retry_delays,
        callback_workers=max(1, args.callback_workers),
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM stops the server the way Ctrl+C does, so the state is saved on the way out."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = config_from_args(args)
    try:
        emulator = create_app(config)
    except StateFileError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    logging.getLogger("bandwidth.emulator").info(
        "Bandwidth emulator for account %s at %s", config.account_id, config.origin
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_simple(config.host, config.port, emulator, threaded=True, use_reloader=False)
    finally:
        emulator.close()


if __name__ == "__main__":
    main()
