"""Numbers (Dashboard) API XML (being split by concern)."""

from bandwidth.client.numbers_xml.builders import *  # noqa: F403
