"""Where outgoing requests (webhook deliveries) may go, and sending them only there.

A partner's endpoint URL is typed by an administrator but points wherever its DNS says,
so it is vetted twice: when saved (scheme, and the host if it is an address or a local
name) and when sent, after resolving the name once. The request then connects to the
vetted address itself, with the endpoint's name in `Host` and in TLS's SNI and certificate
check, so a second DNS answer (rebinding) cannot send it elsewhere. Redirects are not
followed and proxy environment variables are not read: `http.client` does neither.

Refused: this machine (loopback, unspecified), private networks, carrier-grade NAT,
link-local (which holds the cloud metadata service), multicast and reserved ranges, and
IPv6 forms that embed such an IPv4 address. `CMS_WEBHOOK_ALLOW_PRIVATE` lets local
development post to private and loopback addresses; the metadata addresses, multicast and
unspecified ones stay refused even then.
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SCHEMES = {"http": 80, "https": 443}
# Cloud metadata services: AWS, GCP and Azure (IPv4), AWS over IPv6, Alibaba, Oracle.
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal")


class Refused(Exception):
    """A destination requests may not go to; the message says why, for the delivery log."""


def allow_private():
    return getattr(settings, "CMS_WEBHOOK_ALLOW_PRIVATE", False)


def _embedded(address):
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.ip_address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address):
    """Why requests may not go to `address` (an ipaddress object), or "" if they may."""
    inner = _embedded(address)
    if inner is not None:
        return address_problem(inner)
    if address in METADATA:
        return _("a cloud metadata address")
    if address.is_multicast or address.is_unspecified:
        return _("not a single host's address")
    if address.is_global:
        return ""
    if allow_private():
        return ""
    if address.is_loopback:
        return _("this machine")
    if address.is_link_local:
        return _("a link-local address")
    return _("a private or reserved network")


def _literal(host):
    """The address a host written as an IP address means (also 127.1, 0x7f000001), or None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefx." for c in host.lower()):
        try:
            return ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def url_problem(url):
    """Why `url` may not be a webhook endpoint, from the URL alone, or ""."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number.
    except ValueError:
        return _("the URL is malformed")
    if parts.scheme.lower() not in SCHEMES:
        return _("only http and https addresses are allowed")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return _("the URL names no host")
    if parts.username or parts.password:
        return _("the URL may not carry a user name or password")
    address = _literal(host)
    if address is not None:
        return address_problem(address)
    if not allow_private() and (host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES)):
        return _("this machine or a local network name")
    return ""


def validate_endpoint_url(url):
    """Model field validator: a clear error in the admin for a URL requests may not go to."""
    problem = url_problem(url)
    if problem:
        raise ValidationError(
            gettext_lazy("Webhooks may not be sent to this address: %(reason)s.")
            % {"reason": problem},
            code="forbidden_destination",
        )


def resolve(host, port):
    """One vetted address for `host`: every address DNS gives must be allowed."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Refused(f"cannot resolve {host}: {error}") from None
    addresses = [ipaddress.ip_address(answer[4][0].split("%")[0]) for answer in answers]
    if not addresses:
        raise Refused(f"{host} has no address")
    for address in addresses:
        problem = address_problem(address)
        if problem:
            raise Refused(f"{host} resolves to {address}: {problem}")
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a fixed address; `Host` still names the endpoint."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed address; SNI and the certificate check use the endpoint's name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url, body, headers, timeout):
    """POST `body` to `url` after vetting it; return the status. Raises Refused or OSError.

    Reasons are in the site's language: they go to the delivery log, not to a reader.
    """
    with translation.override(settings.LANGUAGE_CODE):
        problem = url_problem(url)
        if problem:
            raise Refused(problem)
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port or SCHEMES[scheme]
        address = resolve(host, port)
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    except http.client.HTTPException as error:
        raise OSError(f"bad HTTP response: {error!r}") from None
    finally:
        connection.close()
