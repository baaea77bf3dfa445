"""`paygate` command line: argparse front end (see `paygate --help`)."""

from __future__ import annotations

import argparse
import os
import sys

from paygate_cli.client import Api, ApiError
from paygate_cli.commands import EVENTS, tail, trigger
from paygate_cli.verify import Delivery, VerifyError, verify_delivery

DEFAULT_URL = "http://localhost:8000"
# The seeded test merchant (TEST_MODE); override with flags or PAYGATE_API_KEY / PAYGATE_API_SECRET.
TEST_KEY, TEST_SECRET = "key_test_abc123", "secret_test_xyz789"


def _api_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default=os.environ.get("PAYGATE_URL", DEFAULT_URL), help="Paygate base URL")
    parser.add_argument(
        "--merchant-key", default=os.environ.get("PAYGATE_API_KEY", TEST_KEY), help="X-Api-Key (default: test merchant)"
    )
    parser.add_argument(
        "--secret", default=os.environ.get("PAYGATE_API_SECRET", TEST_SECRET), help="X-Api-Secret (API secret)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paygate",
        description="Paygate from the command line: send real test events, follow deliveries, check signatures.",
        epilog="Environment: PAYGATE_URL, PAYGATE_API_KEY, PAYGATE_API_SECRET, PAYGATE_WEBHOOK_SECRET.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "trigger",
        help="create objects through the API so your endpoint gets a real signed event",
        description="Create an order and a payment (and a refund) with test inputs; the settlement "
        "sends the event to your configured webhook URL, signed like every delivery.",
    )
    p.add_argument("event", choices=EVENTS, help="the event to cause")
    p.add_argument("--amount", type=int, default=50000, help="order amount in paise (default 50000)")
    _api_options(p)

    p = sub.add_parser("webhooks", help="webhook deliveries", description="Webhook deliveries.")
    wsub = p.add_subparsers(dest="webhooks_command", required=True, metavar="SUBCOMMAND")
    t = wsub.add_parser(
        "tail",
        help="follow deliveries and their attempts",
        description="Print deliveries (oldest first) and every attempt; keeps polling until Ctrl-C.",
    )
    t.add_argument("--once", action="store_true", help="print what is there now and exit")
    t.add_argument("--interval", type=float, default=1.0, help="seconds between polls (default 1)")
    t.add_argument("--limit", type=int, default=20, help="newest deliveries to look at (max 100)")
    _api_options(t)

    p = sub.add_parser(
        "verify",
        help="check a captured delivery's signatures (body on stdin)",
        description="Check a captured delivery: the raw body on stdin, the headers as options. "
        "Exit 0 if it verifies; otherwise one line on stderr and exit 1.",
    )
    p.add_argument(
        "--secret",
        default=os.environ.get("PAYGATE_WEBHOOK_SECRET"),
        help="webhook secret, whsec_... as shown (or PAYGATE_WEBHOOK_SECRET)",
    )
    p.add_argument("--id", dest="msg_id", help="webhook-id header")
    p.add_argument("--timestamp", help="webhook-timestamp header (unix seconds)")
    p.add_argument("--signature", help="webhook-signature header (v1,...)")
    p.add_argument("--hex-signature", help="X-Webhook-Signature header (hex)")
    return parser


def _fail(message: str) -> int:
    print(f"paygate: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        if not args.secret:
            return _fail("missing secret: give --secret whsec_... or set PAYGATE_WEBHOOK_SECRET")
        delivery = Delivery(sys.stdin.buffer.read(), args.msg_id, args.timestamp, args.signature, args.hex_signature)
        try:
            checked = verify_delivery(delivery, args.secret)
        except VerifyError as exc:
            return _fail(str(exc))
        print(f"ok: {checked} verified")
        return 0
    api = Api(args.url, args.merchant_key, args.secret)
    try:
        if args.command == "trigger":
            trigger(api, args.event, args.amount, say=lambda line: print(line, flush=True))
        else:
            tail(
                api, follow=not args.once, interval=args.interval, limit=args.limit, say=lambda s: print(s, flush=True)
            )
    except ApiError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    finally:
        api.close()
    return 0
