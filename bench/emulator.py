"""The Bandwidth emulator for the bench, with the fleet's account already in place.

    python -m bench.emulator --fleet FLEET.json --port PORT --callback-url URL
        [--rate-per-number 1] [--rate-per-account 50]

One site and location (SMS and MMS on) per tenant, with the tenant's messaging application (its
status callbacks go to ``--callback-url`` with the tenant's callback credentials) and numbers in
service, as provisioning would have left them. The state is built in memory (no state file: its
saving would cost CPU during the load). The per-number rate is what the outbound scenario
measures against.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from types import FrameType

from werkzeug.serving import run_simple

from bandwidth.emulator.app import Emulator, create_app
from bandwidth.emulator.config import EmulatorConfig
from bandwidth.emulator.state import Application, InServiceNumber, SipPeer, Site


def populate(emulator: Emulator, fleet: list[dict[str, object]], callback_url: str) -> None:
    state = emulator.state
    with state.lock:
        for tenant in fleet:
            slug = str(tenant["slug"])
            site = Site(id=f"site-{slug}", name=slug)
            peer = SipPeer(
                id=f"peer-{slug}",
                site_id=site.id,
                name=slug,
                is_default=True,
                sms_enabled=True,
                mms_enabled=True,
                messaging_application_id=str(tenant["messaging_application_id"]),
                voice_application_id=str(tenant["voice_application_id"]),
            )
            state.sites[site.id] = site
            state.sip_peers[peer.id] = peer
            credentials = (str(tenant["username"]), str(tenant["password"]))
            state.applications[peer.messaging_application_id or ""] = Application(
                id=peer.messaging_application_id or "",
                service_type="Messaging-V2",
                name=f"{slug} messaging",
                urls={"InboundCallbackUrl": callback_url, "OutboundCallbackUrl": callback_url},
                inbound_credentials=credentials,
                outbound_credentials=credentials,
            )
            numbers = tenant["numbers"]
            assert isinstance(numbers, list)
            for e164 in numbers:
                state.in_service[str(e164)] = InServiceNumber(
                    e164=str(e164), site_id=site.id, peer_id=peer.id
                )
                state.register_number(str(e164))


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.emulator")
    parser.add_argument("--fleet", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--callback-url", required=True)
    parser.add_argument("--rate-per-number", type=float, default=1.0)
    parser.add_argument("--rate-per-account", type=float, default=50.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with open(args.fleet) as handle:
        fleet = json.load(handle)
    config = EmulatorConfig(
        port=args.port,
        message_rate_per_number=args.rate_per_number,
        message_rate_per_account=args.rate_per_account,
    )
    emulator = create_app(config)
    populate(emulator, fleet, args.callback_url)
    signal.signal(signal.SIGTERM, _stop)
    try:
        run_simple(config.host, config.port, emulator, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
