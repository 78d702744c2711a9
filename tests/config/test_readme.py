"""The README keeps up with the product: every variable the settings read is explained."""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
README = (BASE_DIR / "README.md").read_text()


def variables_read_by_the_settings() -> set[str]:
    found = set()
    for path in [*(BASE_DIR / "config" / "settings").glob("*.py"),
                 BASE_DIR / "config" / "environment.py"]:
        source = path.read_text()
        found |= set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
        found |= set(re.findall(r"os\.environ(?:\.get)?[\(\[]\s*\"([A-Z][A-Z0-9_]*)\"", source))
    return found


def test_every_environment_variable_is_documented():
    variables = variables_read_by_the_settings()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_ENV"} <= variables
    missing = sorted(v for v in variables if f"`{v}`" not in README)
    assert not missing, f"README.md does not explain: {', '.join(missing)}"


def test_readme_gives_the_two_commands_and_the_demo_accounts():
    for text in ("make run", "make test", "make bench", "demo-pass-2026", "DEMO_PASSWORD",
                 "staff@example.com", "home@example.com", "admin@acme.example",
                 "member@acme.example", "admin@globex.example", "/api/docs/", "/rules/"):
        assert text in README, text
