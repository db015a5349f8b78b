"""A local Bandwidth: Messaging v2, Numbers (Dashboard XML), Voice v2 and OAuth2 on one origin.

Start it with ``python -m bandwidth.emulator --port 9900`` or in-process with
:func:`bandwidth.emulator.app.start_in_thread`.
"""
