"""Where a webhook may be sent: public http(s) addresses only (SSRF rules).

A URL is checked when it is registered and again on the address it resolves to at
each send; the sender then connects to exactly that checked address (no second DNS
lookup for an attacker to rebind). `WEBHOOKS_ALLOW_PRIVATE` lifts the address and
https rules for local development and tests.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    hostname: str
    port: int
    ip: str
    path: str

    @property
    def host_header(self) -> str:
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def blocked_reason(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address must not be a webhook target, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        embedded = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if embedded is not None and blocked_reason(embedded):
            return "an IPv6 address wrapping a non-public IPv4 address"
        if ip.teredo is not None:
            return "a Teredo address"
    for reason, matches in (
        ("an unspecified address", ip.is_unspecified),
        ("a loopback address", ip.is_loopback),
        ("a link-local (cloud metadata) address", ip.is_link_local),
        ("a multicast address", ip.is_multicast),
        ("a carrier-grade NAT address", isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT),
        ("a private address", ip.is_private),
        ("a reserved address", ip.is_reserved),
    ):
        if matches:
            return reason
    if not ip.is_global:
        return "not a public address"
    return None


def parse_url(url: str, allow_private: bool):
    """Syntax rules: http(s), a host, no credentials; https unless private targets are allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(f"not a valid URL ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeUrl("must be an http or https URL")
    if scheme != "https" and not allow_private:
        raise UnsafeUrl("must use https")
    if not parts.hostname:
        raise UnsafeUrl("must include a host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("must not contain credentials; use the signing secret to authenticate deliveries")
    return parts, scheme, port or DEFAULT_PORTS[scheme]


def resolve(url: str, allow_private: bool) -> Target:
    """The checked address to connect to for this URL, resolved now; raises UnsafeUrl."""
    parts, scheme, port = parse_url(url, allow_private)
    hostname = parts.hostname.rstrip(".").lower()
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(f"host {hostname} does not resolve") from None
    addresses = list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in infos))
    if not addresses:
        raise UnsafeUrl(f"host {hostname} does not resolve")
    if not allow_private:
        # Every address is checked: a name that resolves to one public and one private address is refused.
        for address in addresses:
            reason = blocked_reason(address)
            if reason:
                raise UnsafeUrl(f"{hostname} resolves to {address}, {reason}; webhooks only go to public addresses")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, hostname=hostname, port=port, ip=addresses[0], path=path)
