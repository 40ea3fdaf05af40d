"""Webhooks never reach this machine, private networks or metadata services (SSRF)."""

import json
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cms.core import netguard
from cms.models import Partner, Story, WebhookDelivery, WebhookEndpoint
from cms.stories import publishing
from tests.factories import make_story

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = [
    "http://127.0.0.1/hooks",
    "http://127.1:8000/hooks",
    "http://2130706433/hooks",
    "http://0x7f000001/hooks",
    "http://localhost:8000/hooks",
    "http://api.localhost/hooks",
    "http://[::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://[64:ff9b::a00:1]/hooks",
    "http://10.0.0.1/hooks",
    "http://172.16.5.4/hooks",
    "http://192.168.1.1/hooks",
    "http://100.64.0.1/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://0.0.0.0/hooks",
    "http://224.0.0.1/hooks",
    "ftp://partner.example.com/hooks",
    "file:///etc/passwd",
    "gopher://partner.example.com/",
    "https://user:pw@partner.example.com/hooks",
]
ALLOWED = ["https://partner.example.com/hooks", "http://93.184.216.34:8080/hooks?x=1"]


def endpoint(url):
    return WebhookEndpoint(partner=Partner.objects.create(name="P"), url=url)


@pytest.mark.parametrize("url", REFUSED)
def test_an_endpoint_pointing_inside_is_refused_when_saved(url):
    with pytest.raises(ValidationError) as refused:
        endpoint(url).full_clean(exclude=["events"])
    assert "url" in refused.value.message_dict


@pytest.mark.parametrize("url", ALLOWED)
def test_a_public_endpoint_may_be_saved(url):
    endpoint(url).full_clean(exclude=["events"])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_names_why_an_endpoint_is_refused(admin_client, language):
    partner = Partner.objects.create(name="P")
    response = admin_client.post(
        "/admin/cms/webhookendpoint/add/",
        {"partner": partner.pk, "url": "http://169.254.169.254/latest/", "active": "on"},
        headers={"accept-language": language},
    )
    assert response.status_code == 200
    (message,) = response.context["adminform"].form.errors["url"]
    expected = {
        "en": "Webhooks may not be sent to this address: a cloud metadata address.",
        "zh-hans": "Webhook 不能发送到此地址：云元数据地址。",
    }[language]
    assert message == expected
    assert not WebhookEndpoint.objects.exists()


def test_private_targets_are_allowed_for_local_development_but_metadata_never(settings):
    settings.CMS_WEBHOOK_ALLOW_PRIVATE = True
    for url in ("http://127.0.0.1:8000/hooks", "http://localhost/hooks", "http://10.0.0.1/"):
        endpoint(url).full_clean(exclude=["events"])
    for url in ("http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://0.0.0.0/"):
        with pytest.raises(ValidationError):
            endpoint(url).full_clean(exclude=["events"])


class Receiver:
    """A loopback server that records each request and answers `status` (with `location`)."""

    def __init__(self, status=204, location=None, tls=None):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append((self.command, self.path, dict(self.headers), body))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET = _record

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def dns(monkeypatch):
    """Fake DNS: `dns.answers[name]` is a list of answers, one list of addresses per lookup."""

    class Fake:
        answers = {}
        lookups = []

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in Fake.answers:
            return real(host, port, *args, **kwargs)
        Fake.lookups.append(host)
        queue = Fake.answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(netguard.socket, "getaddrinfo", getaddrinfo)
    return Fake


def send_one(url):
    """Publish a story to one endpoint at `url` (saved unvetted, as an old row would be)."""
    WebhookEndpoint.objects.create(partner=Partner.objects.create(name="P"), url=url)
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
    with publishing.change(story) as change:
        change.step("publish")
        story.save()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    return WebhookDelivery.objects.order_by("created_at").first()


def test_a_name_that_resolves_to_this_machine_is_refused_at_send_time(receiver, dns):
    dns.answers["partner.example.test"] = [["127.0.0.1"]]
    delivery = send_one(f"http://partner.example.test:{receiver.port}/hooks")
    assert receiver.requests == []
    assert delivery.status == WebhookDelivery.Status.PENDING  # retried later, like any failure
    assert delivery.attempts == 1 and delivery.last_status_code is None
    assert delivery.last_error == (
        "refused: partner.example.test resolves to 127.0.0.1: this machine"
    )


def test_one_private_answer_among_public_ones_is_enough_to_refuse(receiver, dns):
    dns.answers["partner.example.test"] = [["93.184.216.34", "169.254.169.254"]]
    delivery = send_one(f"http://partner.example.test:{receiver.port}/hooks")
    assert "169.254.169.254: a cloud metadata address" in delivery.last_error


def test_the_name_is_resolved_once_and_the_vetted_address_is_the_one_used(receiver, dns, settings):
    settings.CMS_WEBHOOK_ALLOW_PRIVATE = True
    # A rebinding DNS server: the first answer passes, later ones point elsewhere.
    dns.answers["partner.example.test"] = [["127.0.0.1"], ["192.0.2.1"], ["192.0.2.1"]]
    delivery = send_one(f"http://partner.example.test:{receiver.port}/hooks?v=1")
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert dns.lookups == ["partner.example.test"]
    ((method, path, headers, body),) = receiver.requests
    assert (method, path) == ("POST", "/hooks?v=1")
    assert headers["Host"] == f"partner.example.test:{receiver.port}"
    assert json.loads(body)["type"] == "story.published"


def test_redirects_are_not_followed_and_count_as_a_failed_attempt(settings):
    settings.CMS_WEBHOOK_ALLOW_PRIVATE = True
    target = Receiver()
    redirecting = Receiver(status=307, location=f"http://127.0.0.1:{target.port}/stolen")
    try:
        delivery = send_one(f"http://127.0.0.1:{redirecting.port}/hooks")
    finally:
        redirecting.close()
        target.close()
    assert len(redirecting.requests) == 1
    assert target.requests == []
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code == 307
    assert delivery.last_error == "HTTP 307: redirects are not followed"


def test_proxy_environment_variables_are_ignored(receiver, settings, monkeypatch):
    settings.CMS_WEBHOOK_ALLOW_PRIVATE = True
    proxy = Receiver()
    try:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        delivery = send_one(f"http://127.0.0.1:{receiver.port}/hooks")
    finally:
        proxy.close()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert proxy.requests == []
    assert len(receiver.requests) == 1


def test_https_connects_to_the_vetted_address_with_the_endpoint_name_for_sni(
    tmp_path, dns, settings, monkeypatch
):
    settings.CMS_WEBHOOK_ALLOW_PRIVATE = True
    name = "partner.example.test"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    seen = []
    server_side.sni_callback = lambda sock, server_name, context: seen.append(server_name)
    trusting = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(netguard.ssl, "create_default_context", lambda: trusting)
    receiver = Receiver(tls=server_side)
    dns.answers[name] = [["127.0.0.1"]]
    try:
        delivery = send_one(f"https://{name}:{receiver.port}/hooks")
    finally:
        receiver.close()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED, delivery.last_error
    assert seen == [name]
    assert len(receiver.requests) == 1
