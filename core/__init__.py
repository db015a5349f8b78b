"""One mechanism per cross-cutting concern, used by every app.

``core`` sits below every other app: it imports none of them (``import-linter`` checks it).
Idempotency, retries, locks and phone numbers each live in one module here.
"""
