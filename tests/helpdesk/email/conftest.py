"""The email channel's test rig: a private Dovecot (Debian's dovecot-imapd) serving one
mailbox over IMAPS on a free local port, the three transports as one `send` call, and the
emails a customer would write."""

import base64
import hashlib
import hmac
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command

IMAP_USER, IMAP_PASSWORD = "support", "imap-test-password"
WEBHOOK_AUTH = "anymail:webhook-secret"
SIGNING_KEY = "mailgun-signing-key"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dovecot_config(folder: Path, port: int) -> str:
    user = "dovecot" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    unprivileged = "" if os.geteuid() == 0 else (
        f"default_internal_user = {user}\ndefault_login_user = {user}\n")
    return f"""
{unprivileged}first_valid_uid = 1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
instance_name = portal-tests-{port}
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={pwd.getpwnam(user).pw_gid} home={folder}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""


@pytest.fixture(scope="session")
def dovecot():
    """Dovecot started once for the session with a test user; its IMAP_URL and CA file."""
    if not os.path.exists("/usr/sbin/dovecot"):
        pytest.skip("needs Debian's dovecot-imapd")  # the `imap` marker reports it first
    folder = Path(tempfile.mkdtemp(prefix="portal-dovecot-"))
    folder.chmod(0o755)
    (folder / "home").mkdir()
    user = "dovecot" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    shutil.chown(folder / "home", user, pwd.getpwnam(user).pw_gid)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)
    (folder / "passwd").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    port = _free_port()
    config = folder / "dovecot.conf"
    config.write_text(_dovecot_config(folder, port))
    # The daemon keeps whatever it inherits open: give it no pipe to wait on.
    subprocess.run(["/usr/sbin/dovecot", "-c", str(config)], check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() \
                    else ""
                pytest.fail(f"Dovecot did not start on port {port}: {log}")
            time.sleep(0.1)
    try:
        yield SimpleNamespace(
            url=f"imaps://{IMAP_USER}:{IMAP_PASSWORD}@127.0.0.1:{port}/INBOX",
            port=port, ca_file=str(folder / "cert.pem"))
    finally:
        subprocess.run(["/usr/sbin/dovecot", "-c", str(config), "stop"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


class Mailbox:
    """An IMAP client of the test user, as a customer's mail server delivering by APPEND."""

    def __init__(self, server):
        self.server = server

    def _connect(self):
        context = ssl.create_default_context(cafile=self.server.ca_file)
        client = imaplib.IMAP4_SSL("127.0.0.1", self.server.port, ssl_context=context)
        client.login(IMAP_USER, IMAP_PASSWORD)
        return client

    def append(self, raw: bytes) -> None:
        client = self._connect()
        try:
            status, _data = client.append("INBOX", None, None, raw)
            assert status == "OK"
        finally:
            client.logout()

    def count(self, folder: str) -> int:
        client = self._connect()
        try:
            status, data = client.select(folder, readonly=True)
            return int(data[0]) if status == "OK" else 0
        finally:
            client.logout()

    def empty(self) -> None:
        client = self._connect()
        try:
            for folder in ("INBOX", "Processed"):
                status, data = client.select(folder)
                if status == "OK" and int(data[0]):
                    client.store("1:*", "+FLAGS", r"(\Deleted)")
                    client.expunge()
        finally:
            client.logout()


@pytest.fixture
def mailbox(dovecot, settings):
    """The test mailbox, emptied, with the portal set to poll it."""
    settings.IMAP_URL = dovecot.url
    settings.IMAP_CA_FILE = dovecot.ca_file
    box = Mailbox(dovecot)
    box.empty()
    return box


# Writing emails ---------------------------------------------------------------------------

def reply_address(outbox_message) -> str:
    """The Reply-To address of an email the portal sent."""
    return parseaddr(outbox_message.extra_headers["Reply-To"])[1]


def compose(*, sender: str, to: str, body: str = "It works now, thank you.",
            subject: str = "Re: your request", quoted: str = "", html: str | None = None,
            attachments=(), headers: dict | None = None, message_id: str | None = None,
            content_type: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain="customer.example")
    if html is not None and not body:
        message.set_content(html, subtype="html")  # HTML only, as some mail programs send
    else:
        message.set_content(body + (f"\n\n{quoted}" if quoted else ""))
        if html is not None:
            message.add_alternative(html, subtype="html")
    for name, content, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    # After the content, which would drop Content-* headers set before it.
    for name, value in (headers or {}).items():
        message[name] = value
    if content_type:
        message.replace_header("Content-Type", content_type)
    return message.as_bytes()


QUOTED = """On Tue, 1 Dec 2026 at 10:00, Support <support@example.com> wrote:
> Hello,
> Please install the update and tell us whether the scan completes.
> Support"""


# One call per transport ---------------------------------------------------------------------

def mailgun_post(client, raw: bytes, *, recipient: str = "", key: str = SIGNING_KEY,
                 auth: str = WEBHOOK_AUTH):
    timestamp, token = str(int(time.time())), os.urandom(16).hex()
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(),
                         hashlib.sha256).hexdigest()
    return client.post(
        "/email/inbound/mailgun/",
        {"body-mime": raw.decode("utf-8", errors="surrogateescape"), "recipient": recipient,
         "sender": "", "timestamp": timestamp, "token": token, "signature": signature},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(auth.encode()).decode())


@pytest.fixture
def webhook(settings):
    settings.INBOUND_EMAIL_PROVIDER = "mailgun"
    settings.INBOUND_EMAIL_WEBHOOK_SECRET = WEBHOOK_AUTH
    settings.INBOUND_EMAIL_SIGNING_KEY = SIGNING_KEY


@pytest.fixture(params=["pipe", "webhook", pytest.param("imap", marks=pytest.mark.imap)])
def send(request, client, django_capture_on_commit_callbacks):
    """Deliver a raw email through one transport and let the worker process it (the suite
    runs tasks inline); `send.transport` names it."""
    transport = request.param
    if transport == "imap":
        box = request.getfixturevalue("mailbox")
    if transport == "webhook":
        request.getfixturevalue("webhook")

    def deliver(raw: bytes, recipient: str = "") -> None:
        from helpdesk.email import imap

        with django_capture_on_commit_callbacks(execute=True):
            if transport == "pipe":
                call_command("receive_email", stdin=BytesIO(raw), recipient=recipient)
            elif transport == "webhook":
                response = mailgun_post(client, raw, recipient=recipient)
                assert response.status_code == 200, response.content
            else:
                box.append(raw)
                imap.poll()

    deliver.transport = transport
    return deliver
