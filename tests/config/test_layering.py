"""Apps depend downward in templates and URLs too (DESIGN.md section 2): a template or a
module of one app links, includes or loads only pages, templates and tags of its own app or
of the apps below it. A page that shows a higher app's link does so through a slot of
`accounts.registry` (the imports are held by the import-linter contracts of `make lint`)."""

import re
from pathlib import Path

from django.template import engines
from django.urls import URLPattern, URLResolver, get_resolver

BASE = Path(__file__).resolve().parents[2]
# Lowest first; notifications imports no app and renders no page of one.
LAYERS = ["accounts", "licensing", "helpdesk", "feedback"]
URL_TAG = re.compile(r"""\{%\s*url\s+['"]([\w:-]+)['"]""")
INCLUDE_TAG = re.compile(r"""\{%\s*include\s+['"]([\w/.-]+)['"]""")
LOAD_TAG = re.compile(r"""\{%\s*load\s+([\w\s]+?)\s*%\}""")
REVERSE_CALL = re.compile(r"""(?:reverse|portal_url|redirect)\(\s*f?['"]([\w:-]+)['"]""")


def _app_of_module(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in LAYERS else None


def _url_owners() -> dict[str, str]:
    """URL name (with its namespace) -> the app whose view it is."""
    owners: dict[str, str] = {}

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                callback = pattern.callback
                module = getattr(callback, "view_class", callback).__module__
                if app := _app_of_module(module):
                    owners.setdefault(f"{namespace}{pattern.name}", app)

    walk(get_resolver().url_patterns)
    return owners


def _tag_library_owners() -> dict[str, str]:
    """Template tag library name -> the app whose module defines it."""
    owners = {}
    for name, library in engines["django"].engine.template_libraries.items():
        functions = list(library.tags.values()) + list(library.filters.values())
        if functions and (app := _app_of_module(functions[0].__module__)):
            owners[name] = app
    return owners


def _template_app(relative: str) -> str | None:
    """The app a template belongs to: templates/<app>/... or templates/admin/<app>/..."""
    parts = relative.split("/")
    if parts[0] == "admin" and len(parts) > 1:
        parts = parts[1:]
    return parts[0] if parts[0] in LAYERS else None


def _above(user: str, used: str) -> bool:
    return LAYERS.index(used) > LAYERS.index(user)


def test_no_template_links_includes_or_loads_a_higher_app():
    owners, libraries = _url_owners(), _tag_library_owners()
    problems = []
    for path in sorted((BASE / "templates").rglob("*.html")) + sorted(
            (BASE / "templates").rglob("*.txt")):
        relative = path.relative_to(BASE / "templates").as_posix()
        app = _template_app(relative)
        if app is None:
            continue
        text = path.read_text()
        used = [(f"url {name}", owners.get(name)) for name in URL_TAG.findall(text)]
        used += [(f"include {name}", _template_app(name)) for name in INCLUDE_TAG.findall(text)]
        used += [(f"load {name}", libraries.get(name))
                 for names in LOAD_TAG.findall(text) for name in names.split()]
        problems += [f"{relative}: {what} ({owner})" for what, owner in used
                     if owner and _above(app, owner)]
    assert not problems, "\n".join(problems)


def test_no_module_builds_a_higher_apps_urls():
    owners = _url_owners()
    problems = []
    for app in LAYERS:
        for path in sorted((BASE / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in REVERSE_CALL.findall(path.read_text()):
                owner = owners.get(name)
                if owner and _above(app, owner):
                    problems.append(f"{path.relative_to(BASE)}: {name} ({owner})")
    assert not problems, "\n".join(problems)


def test_the_checks_know_every_app_page():
    """The two tests above can only fail if they see the URL names and tag libraries."""
    owners, libraries = _url_owners(), _tag_library_owners()
    assert {owners["requests"], owners["feedback:section"], owners["licensing:licences"],
            owners["accounts:workspace"]} == set(LAYERS)
    assert libraries["workspace"] == "accounts" and libraries["helpdesk_portal"] == "helpdesk"
