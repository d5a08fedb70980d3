"""Loopback fakes of the platforms' APIs, each built from that platform's public API reference (issue 14)."""
