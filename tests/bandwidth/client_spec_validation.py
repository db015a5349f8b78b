"""Check requests the Bandwidth client builds against the official OpenAPI specs."""

from __future__ import annotations

import copy
import functools
import warnings
from pathlib import Path
from typing import Any

import requests
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from openapi_core.validation.request.validators import V30RequestParametersValidator

from bandwidth.client import Credentials, Endpoints

SPECS_DIR = Path(__file__).resolve().parents[2] / "specs" / "bandwidth"
SPEC_MESSAGING_URL = "https://messaging.bandwidth.com/api/v2"
SPEC_VOICE_URL = "https://voice.bandwidth.com/api/v2"

ACCOUNT_ID = "9900000"
DEFAULT_ENDPOINTS = Endpoints()


def oauth_credentials(client_id: str = "parley-client") -> Credentials:
    return Credentials(account_id=ACCOUNT_ID, client_id=client_id, client_secret="s3cret-client")


def basic_credentials(username: str = "parley-api") -> Credentials:
    return Credentials(account_id=ACCOUNT_ID, username=username, password="p4ssw0rd-basic")


@functools.cache
def _spec_yaml(name: str) -> dict[str, Any]:
    with (SPECS_DIR / name).open() as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def numbers_spec() -> dict[str, Any]:
    return _spec_yaml("numbers.yml")


@functools.cache
def _bandwidth_openapi(messaging_base_url: str, voice_base_url: str) -> OpenAPI:
    spec = copy.deepcopy(_spec_yaml("bandwidth.yml"))
    replacements = {
        SPEC_MESSAGING_URL: messaging_base_url.rstrip("/"),
        SPEC_VOICE_URL: voice_base_url.rstrip("/"),
    }
    for path_item in spec["paths"].values():
        for server in path_item.get("servers", []):
            server["url"] = replacements.get(server["url"], server["url"])
    # bandwidth.yml types the BXML body as a string; read XML bodies as text, not as a tree.
    config = Config(extra_media_type_deserializers={"application/xml": _xml_as_text})
    return OpenAPI.from_dict(spec, config=config)


def _xml_as_text(body: bytes | str, **_: Any) -> str:
    return body.decode() if isinstance(body, bytes) else body


def assert_request_matches_spec(
    request: requests.PreparedRequest, endpoints: Endpoints = DEFAULT_ENDPOINTS
) -> None:
    """Raise openapi-core's validation error unless the request is valid for bandwidth.yml.

    The spec's server URLs are mapped to the endpoints the client was configured with.
    """
    openapi = _bandwidth_openapi(endpoints.messaging_base_url, endpoints.voice_base_url)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
        openapi.validate_request(RequestsOpenAPIRequest(request))


@functools.cache
def _numbers_openapi(numbers_base_url: str) -> OpenAPI:
    # numbers.yml (converted from RAML) is not a valid OpenAPI document and its XML schemas are
    # loose, so only the operation (path + method) and its parameters are checked against it.
    spec = copy.deepcopy(numbers_spec())
    spec["servers"] = [{"url": numbers_base_url.rstrip("/")}]
    config = Config(spec_validator_cls=None, request_validator_cls=V30RequestParametersValidator)
    return OpenAPI.from_dict(spec, config=config)


def assert_numbers_request_matches_spec(
    request: requests.PreparedRequest, endpoints: Endpoints = DEFAULT_ENDPOINTS
) -> None:
    """Raise unless numbers.yml has this path and method and accepts its parameters."""
    openapi = _numbers_openapi(endpoints.numbers_base_url)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
        openapi.validate_request(RequestsOpenAPIRequest(request))
