"""Fixtures for tests that drive the Bandwidth emulator over real loopback HTTP.

- ``emulator``: a fresh emulator per test (override ``emulator_config`` to change settings).
- ``receiver``: a recording webhook server (see ``receiver.py``).
- ``provisioned``: a site, a location with SMS+MMS, a Messaging-V2 and a Voice-V2 application
  whose callbacks point at ``receiver`` (which demands their Basic credentials), and one number
  in service.
- ``bandwidth_spec``: validates JSON bodies against bandwidth.yml (responses and schemas).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from bandwidth.emulator.app import RunningEmulator, start_in_thread
from bandwidth.emulator.config import EmulatorConfig
from bandwidth.emulator.state import Application
from tests.bandwidth.client_spec_validation import SPECS_DIR

try:
    from tests.bandwidth.receiver import Receiver
except ImportError:
    from receiver import Receiver  # type: ignore[no-redef]

TEST_TIME_SCALE = 0.01
CALLBACK_USER = "bw-hook"
CALLBACK_PASSWORD = "hook-secret-1"
PROVISIONED_NUMBER = "+19195550100"


@dataclass(frozen=True)
class ProvisionedAccount:
    account_id: str
    site_id: str
    peer_id: str
    messaging_application_id: str
    voice_application_id: str
    number: str
    callback_credentials: tuple[str, str]
    api_credentials: tuple[str, str]
    messaging_inbound_path: str = "/messaging/inbound"
    messaging_status_path: str = "/messaging/status"
    voice_initiate_path: str = "/voice/initiate"
    voice_status_path: str = "/voice/status"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Fast delays and rates high enough that only tests about limits meet them."""
    return EmulatorConfig(
        port=0,
        time_scale=TEST_TIME_SCALE,
        message_rate_per_number=1000.0,
        message_rate_per_account=1000.0,
    )


@pytest.fixture
def emulator(emulator_config: EmulatorConfig) -> Iterator[RunningEmulator]:
    running = start_in_thread(emulator_config)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    try:
        yield server
    finally:
        server.stop()


def provision_account(
    running: RunningEmulator, receiver_url: str, number: str = PROVISIONED_NUMBER
) -> ProvisionedAccount:
    """Create through the emulator's state what Parley's provisioning creates over the API."""
    emu = running.emulator
    state = emu.state
    credentials = (CALLBACK_USER, CALLBACK_PASSWORD)
    site = state.add_site("parley-t1")
    peer = state.add_sip_peer(site.id, "parley-t1-loc", is_default=True)
    messaging = state.add_application(
        Application(
            id=state.new_uuid(),
            service_type="Messaging-V2",
            name="parley-t1-sms",
            urls={
                "InboundCallbackUrl": receiver_url + "/messaging/inbound",
                "OutboundCallbackUrl": receiver_url + "/messaging/status",
            },
            inbound_credentials=credentials,
            outbound_credentials=credentials,
        )
    )
    voice = state.add_application(
        Application(
            id=state.new_uuid(),
            service_type="Voice-V2",
            name="parley-t1-voice",
            urls={
                "CallInitiatedCallbackUrl": receiver_url + "/voice/initiate",
                "CallStatusCallbackUrl": receiver_url + "/voice/status",
            },
            callback_credentials=credentials,
        )
    )
    with state.lock:
        peer.sms_enabled = True
        peer.mms_enabled = True
        peer.messaging_application_id = messaging.id
        peer.voice_application_id = voice.id
    state.put_in_service(number, site.id, peer.id)
    state.register_number(number)
    config = emu.config
    return ProvisionedAccount(
        account_id=config.account_id,
        site_id=site.id,
        peer_id=peer.id,
        messaging_application_id=messaging.id,
        voice_application_id=voice.id,
        number=number,
        callback_credentials=credentials,
        api_credentials=(config.username, config.password),
    )


@pytest.fixture
def provisioned(emulator: RunningEmulator, receiver: Receiver) -> ProvisionedAccount:
    receiver.require_basic_auth(CALLBACK_USER, CALLBACK_PASSWORD)
    return provision_account(emulator, receiver.url)


SPEC_URI = "urn:bandwidth-spec"


class BandwidthSpec:
    """JSON Schema validation of bodies against bandwidth.yml (OpenAPI 3.0 semantics)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)

    def _operation_pointer(self, operation_id: str) -> str:
        for path, path_item in self.document["paths"].items():
            for method, operation in path_item.items():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    return f"/paths/{_escape(path)}/{method}"
        raise KeyError(operation_id)

    def response_schema_pointer(self, operation_id: str, status: int) -> str:
        """JSON pointer (in bandwidth.yml) to the JSON schema of one documented response."""
        pointer = f"{self._operation_pointer(operation_id)}/responses/{status}"
        response = self._at(pointer)
        while "$ref" in response:
            pointer = response["$ref"].removeprefix("#")
            response = self._at(pointer)
        return f"{pointer}/content/application~1json/schema"

    def _at(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def validate_response(self, operation_id: str, status: int, body: Any) -> None:
        """Raise unless ``body`` matches the documented ``status`` response of the operation."""
        self._validate(self.response_schema_pointer(operation_id, status), body)

    def validate_schema(self, name: str, body: Any) -> None:
        self._validate(f"/components/schemas/{name}", body)

    def _validate(self, pointer: str, body: Any) -> None:
        validator = OAS30Validator(
            {"$ref": f"{SPEC_URI}#{pointer}"},
            registry=self.registry,
            format_checker=OAS30Validator.FORMAT_CHECKER,
        )
        validator.validate(body)


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


@functools.cache
def load_bandwidth_spec() -> BandwidthSpec:
    with (SPECS_DIR / "bandwidth.yml").open() as spec_file:
        return BandwidthSpec(yaml.safe_load(spec_file))


@pytest.fixture
def bandwidth_spec() -> BandwidthSpec:
    return load_bandwidth_spec()
