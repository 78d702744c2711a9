"""Talking to the served portal the way a browser behind the TLS proxy does, and reading
the forms of its pages."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

TIMEOUT = 30
# gunicorn closes an idle kept-alive connection after a couple of seconds; a request sent on
# it in that instant gets no answer without having reached the server. Idempotent requests
# are sent again once on a fresh connection; a POST never is.
STALE_CONNECTION_RETRY = Retry(total=1, connect=1, read=1, status=0, redirect=0,
                               raise_on_status=False)


def current_code(secret: str) -> str:
    """The authenticator app's code of the moment."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


@dataclass
class Answer:
    status: int | None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    error: str = ""

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One person's session (or none) against the portal at `base_url`."""

    def __init__(self, base_url: str, *, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        host = urlsplit(self.base_url).netloc
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=STALE_CONNECTION_RETRY))
        self.session.headers.update({
            "X-Forwarded-Proto": "https", "Origin": f"https://{host}",
            "Referer": f"https://{host}/", "User-Agent": "portal-attack-suite",
        })
        self.token = token

    def send(self, method: str, path: str, *, api_token: bool = False,
             headers: dict | None = None, **kwargs) -> Answer:
        headers = dict(headers or {})
        if method.upper() not in STALE_CONNECTION_RETRY.allowed_methods:
            # gunicorn closes a connection after answering without reading a large body
            # (a 403 before the parser ran); a POST sent next on it could not be sent again
            # safely, so each one goes on a connection of its own.
            headers.setdefault("Connection", "close")
        if api_token and self.token:
            headers["Authorization"] = f"Token {self.token}"
        url = path if path.startswith("http") else self.base_url + path
        try:
            response = self.session.request(method, url, headers=headers,
                                             allow_redirects=False, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            return Answer(status=None, error=type(exc).__name__)
        # The portal marks its cookies Secure; the suite speaks plain HTTP to gunicorn and
        # says `X-Forwarded-Proto: https`, as the TLS proxy would, so it sends them back.
        for cookie in self.session.cookies:
            cookie.secure = False
        return Answer(response.status_code, dict(response.headers), response.content)

    def get(self, path: str, **kwargs) -> Answer:
        return self.send("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Answer:
        """A form post, with the CSRF token unless `csrf=False`."""
        csrf = kwargs.pop("csrf", True)
        data = dict(kwargs.pop("data", {}) or {})
        if csrf:
            data.setdefault("csrfmiddlewaretoken", self.csrf_token)
        else:
            data.pop("csrfmiddlewaretoken", None)
        return self.send("POST", path, data=data, **kwargs)

    @property
    def csrf_token(self) -> str:
        return self.session.cookies.get("csrftoken", "")

    def api(self, method: str, path: str, *, session: bool = False, **kwargs) -> Answer:
        """An API call with the person's token, or (`session=True`) their sign-in cookie
        and the CSRF header a script on the page would send."""
        headers = kwargs.pop("headers", {})
        if session:
            headers.setdefault("X-CSRFToken", self.csrf_token)
        return self.send(method, path, api_token=not session, headers=headers, **kwargs)

    def sign_in(self, email: str, password: str, totp_secret: str | None = None) -> Answer:
        self.get("/accounts/login/")
        answer = self.post("/accounts/login/", data={"login": email, "password": password})
        if totp_secret and "/2fa/" in answer.location:
            self.get(answer.location)
            answer = self.post(answer.location, data={"code": current_code(totp_secret)})
        return answer

    def follow(self, answer: Answer) -> Answer | None:
        """The page a redirect after a post lands on (same host only)."""
        if answer.status not in (301, 302, 303) or not answer.location:
            return None
        target = urljoin(self.base_url + "/", answer.location)
        if urlsplit(target).netloc != urlsplit(self.base_url).netloc:
            return None
        return self.get(urlsplit(target).path + (
            f"?{urlsplit(target).query}" if urlsplit(target).query else ""))


@dataclass
class FormField:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)

    @property
    def is_text(self) -> bool:
        return self.kind in ("text", "textarea", "search", "email", "url", "tel", "")


@dataclass
class Form:
    action: str
    fields: list[FormField] = field(default_factory=list)
    multipart: bool = False

    def data(self, text: str | None = None) -> dict:
        """What the form submits as the page filled it, with every text field set to
        `text` when given."""
        values = {}
        for f in self.fields:
            if f.kind in ("file", "submit", "button", "reset", "image"):
                continue
            if f.kind in ("checkbox", "radio") and not f.value:
                continue
            if f.kind == "select":
                value = f.value or next((o for o in f.options if o), "")
            else:
                value = f.value
            if text is not None and f.is_text and f.kind != "hidden":
                value = text
            values.setdefault(f.name, value)
        return values

    @property
    def text_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.is_text]

    @property
    def file_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.kind == "file"]


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(action=a.get("action") or self.page,
                              multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        if self._form is None or not (name := a.get("name")):
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or not any(f.name == name for f in self._form.fields):
                    self._form.fields.append(FormField(name, kind, a.get("value", "on")))
                return
            self._form.fields.append(FormField(name, kind, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = FormField(name, "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(name, "select")
            self._form.fields.append(self._select)

    def _option(self, a):
        value = a.get("value", "")
        self._select.options.append(value)
        if "selected" in a:
            self._select.value = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(page_path: str, html: str) -> list[Form]:
    """The POST forms of a page, their actions made absolute paths."""
    parser = _FormParser(page_path)
    parser.feed(html)
    for form in parser.forms:
        form.action = urlsplit(urljoin(f"http://x{page_path}", form.action)).path
    return parser.forms
