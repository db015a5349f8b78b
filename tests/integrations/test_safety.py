"""Where webhooks may go: https only and public addresses only in production, checked against the
address actually connected to; no redirects; a capped read of the answer."""

from __future__ import annotations

import pytest

from core.retries import RetryLater
from integrations import services, transport
from integrations.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def production(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = False


@pytest.fixture
def dns(monkeypatch):
    """A resolver stub: host -> addresses; every lookup is recorded."""
    table: dict[str, list[str]] = {}
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        if host not in table:
            raise OSError("no such host")
        return table[host]

    monkeypatch.setattr(transport, "resolve", resolve)
    return table, asked


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.1"])
def test_a_host_resolving_to_a_private_or_metadata_address_is_refused_at_send_time(
    tenant, production, dns, make_endpoint, address
):
    table, asked = dns
    table["hooks.example.com"] = ["93.184.216.34"]
    endpoint, _ = make_endpoint(tenant, "https://hooks.example.com/parley", ["contact.opted_out"])
    # The name pointed somewhere public when the endpoint was saved; now it points inside.
    table["hooks.example.com"] = [address]
    delivery = services.webhook_endpoint_ping(endpoint=endpoint)
    assert services.delivery_attempt(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed" and address in delivery.last_error
    attempt = delivery.attempt_log.get()
    assert attempt.response_status is None and "not a public address" in attempt.error
    assert asked == ["hooks.example.com"]


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/parley",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "ftp://hooks.example.com/",
    ],
)
def test_production_refuses_plain_http_and_private_literals_when_saving(
    tenant, production, tenant_api, url
):
    response = tenant_api.post(
        "/api/v1/webhook-endpoints/",
        {"url": url, "event_types": ["message.received"]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["url"]
    assert not tenant_api.get("/api/v1/webhook-endpoints/").json()["results"]


def test_a_private_address_among_several_answers_is_refused(production, dns):
    table, _ = dns
    table["mixed.example.com"] = ["93.184.216.34", "10.0.0.1"]
    with pytest.raises(transport.UnsafeDestination):
        transport.post("https://mixed.example.com/", body=b"{}", headers={})


def test_the_connection_goes_to_the_checked_address(tenant, dns, receiver, make_endpoint):
    """The stub answers 127.0.0.1 (allowed outside production): the request reaches the receiver
    at that address, with the URL's own host name in the Host header."""
    table, asked = dns
    table["hooks.example.test"] = ["127.0.0.1"]
    port = receiver.url.rsplit(":", 1)[1]
    endpoint, _ = make_endpoint(tenant, f"http://hooks.example.test:{port}/in")
    delivery = services.webhook_endpoint_ping(endpoint=endpoint)
    assert services.delivery_attempt(delivery_id=delivery.pk) == "succeeded"
    [request] = receiver.requests
    assert request.header("Host") == f"hooks.example.test:{port}"
    assert asked == ["hooks.example.test"]


def test_redirects_are_not_followed_and_answers_are_read_to_a_cap(
    tenant, receiver, make_endpoint, settings
):
    settings.WEBHOOK_RESPONSE_CAP_BYTES = 64
    settings.WEBHOOK_RETRY_SCHEDULE = [30.0]
    receiver.respond(
        lambda request: (302, {"Location": f"{receiver.url}/elsewhere"}, b"x" * 10_000)
    )
    endpoint, _ = make_endpoint(tenant, receiver.url + "/in")
    delivery = services.webhook_endpoint_ping(endpoint=endpoint)
    with pytest.raises(RetryLater):
        services.delivery_attempt(delivery_id=delivery.pk)
    assert [r.path for r in receiver.requests] == ["/in"]
    delivery = Delivery.objects.get(pk=delivery.pk)
    assert delivery.status == "pending" and delivery.last_response_status == 302
    assert len(delivery.attempt_log.get().response_excerpt) == 64


def test_development_allows_http_and_loopback(tenant, settings, tenant_api, receiver):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True
    response = tenant_api.post(
        "/api/v1/webhook-endpoints/",
        {"url": receiver.url + "/in", "event_types": ["message.received"]},
        format="json",
    )
    assert response.status_code == 201


def test_a_receiver_answering_a_byte_at_a_time_is_cut_at_the_timeout(settings):
    """The timeout bounds the whole exchange, not each read."""
    import socket
    import threading
    import time

    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def drip() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.2)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        answer = transport.post(f"http://127.0.0.1:{port}/in", body=b"{}", headers={})
    finally:
        stop.set()
        thread.join(5)
        server.close()
    assert answer.status is None and answer.error == "timed out after 1 s"
    assert time.monotonic() - started < 2.5
