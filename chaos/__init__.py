"""``make chaos``: Parley's fault-injection suite.

It starts its own PostgreSQL and Redis (on free ports, in a temporary directory), the Bandwidth
emulator, gunicorn, two Celery workers and Celery beat; drives texts through the API and the
emulator while it breaks those processes one scenario at a time; and counts, from the database and
the emulator, what was stored or delivered, lost and duplicated. It never touches the machine's own
PostgreSQL or Redis, and it stops everything it started and removes its directory on the way out.
"""
