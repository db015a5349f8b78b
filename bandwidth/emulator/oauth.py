"""OAuth2 client-credentials token endpoint (``POST /api/v1/oauth2/token``)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import Routes, json_response, oauth_error

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="oauth")


def _client_authenticated(emu: Emulator, request: Request) -> bool:
    from bandwidth.emulator.app import decode_basic

    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        pair = decode_basic(value.strip())
    else:
        client_id = request.form.get("client_id")
        client_secret = request.form.get("client_secret")
        pair = (client_id, client_secret) if client_id and client_secret else None
    if pair is None:
        return False
    id_ok = hmac.compare_digest(pair[0].encode(), emu.config.client_id.encode())
    secret_ok = hmac.compare_digest(pair[1].encode(), emu.config.client_secret.encode())
    return id_ok and secret_ok


@routes.route("/api/v1/oauth2/token", methods=["POST"], auth=False)
def token(emu: Emulator, request: Request) -> Response:
    if request.mimetype != "application/x-www-form-urlencoded":
        return oauth_error(400, "invalid_request", "Content-Type must be x-www-form-urlencoded")
    if not _client_authenticated(emu, request):
        return oauth_error(401, "invalid_client", "Client authentication failed")
    grant_type = request.form.get("grant_type")
    if not grant_type:
        return oauth_error(400, "invalid_request", "Missing grant_type")
    if grant_type != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", f"Unsupported grant_type {grant_type}")
    access_token, expires_in = emu.issue_token()
    return json_response(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in},
        200,
        {"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
