"""The published Support Rules as data files: one folder per rule-set version, one file per
language (`published/<version>/en.toml`, `published/<version>/ms.toml`).

The vendor "may change these Rules and publishes the current version" (clause 1), so the
text is data that a new version adds beside the old ones, not code. `read_rules()` turns
the two files of a version into one `PublishedRules`; `helpdesk.rules.services.
load_published_rules()` writes it to the database, where staff can read and edit it.

Why TOML: the standard library reads it (`tomllib`, no new dependency), it has real dates
and booleans for the metadata, each clause is a table with named fields, and a literal
multi-line string ('''...''') keeps a clause text verbatim, with no escapes: one line per
paragraph or list item, links written `[text](target)`, exactly as staff type it in the
admin (see `markup.py`).

Everything a file says is checked before anything is written, so a broken file never
leaves a half-loaded rule set: the folder name is the version, every link points to a
portal URL name or an http(s) address, the metadata of both languages agree, and both
list the same labels in the same order with the same "unnumbered" marks (a clause is one
rule in two languages, not two rules).

The error messages are for whoever edits the files and runs `load_rules` (a developer or a
release step), never for customers or the staff pages, so they are plain English, like the
files' keys and comments; only the link checks, which the admin shares, are translated.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from . import markup

PUBLISHED_DIR = Path(__file__).resolve().parent / "published"

# The model keeps English in `title` / `text` and Malay in `title_ms` / `text_ms`; both
# files are required, English being the text every clause must have.
LANGUAGES = ("en", "ms")

LABEL = re.compile(r"^\d+(\.\d+)*[a-z]?$")
# The model's column sizes, so that a file that loads also saves.
LABEL_MAX, TITLE_MAX = 16, 200
_TOP_KEYS = {"version", "effective_from", "title", "clauses"}
_CLAUSE_KEYS = {"label", "unnumbered", "title", "text"}


class RulesFileError(Exception):
    """A rules file that cannot be loaded; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ClauseData:
    label: str
    is_unnumbered: bool
    title: str
    title_ms: str
    text: str
    text_ms: str


@dataclass(frozen=True)
class PublishedRules:
    version: str
    effective_from: date
    title: str
    title_ms: str
    clauses: tuple[ClauseData, ...]


def available_versions() -> list[str]:
    """The versions there are files for, oldest first: by effective date, then by name.

    Reads the English file of each version for its date, so a file that does not parse
    is reported here rather than silently taken for an old version.
    """
    found = [path.name for path in PUBLISHED_DIR.iterdir()
             if path.is_dir() and (path / f"{LANGUAGES[0]}.toml").is_file()]
    return sorted(found, key=lambda version: (_effective_from(version), version))


def read_rules(version: str | None = None) -> PublishedRules:
    """The rule set of `version`, by default the newest one there are files for.

    Raises RulesFileError when the version has no files or a file is not valid.
    """
    if version is None:
        versions = available_versions()
        if not versions:
            raise RulesFileError(f"No Support Rules files were found in {PUBLISHED_DIR}.")
        version = versions[-1]
    elif version not in (folders := sorted(p.name for p in PUBLISHED_DIR.iterdir()
                                           if p.is_dir())):
        raise RulesFileError(f"There are no Support Rules files for version {version} "
                             f"(there are: {', '.join(folders) or 'none'}).")
    english, malay = (_read_file(version, language) for language in LANGUAGES)
    _check_same_rules(english, malay)
    return PublishedRules(
        version=version,
        effective_from=english["effective_from"],
        title=english["title"],
        title_ms=malay["title"],
        clauses=tuple(
            ClauseData(
                label=en["label"],
                is_unnumbered=en["unnumbered"],
                title=en["title"],
                title_ms=ms["title"],
                text=en["text"],
                text_ms=ms["text"],
            )
            for en, ms in zip(english["clauses"], malay["clauses"], strict=True)
        ),
    )


def _effective_from(version: str) -> date:
    """The effective date of `version`, for ordering; the rest is checked when it is read."""
    path = PUBLISHED_DIR / version / f"{LANGUAGES[0]}.toml"
    value = _parse(path).get("effective_from")
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RulesFileError(f"{path}: effective_from must be a date, such as 2022-04-07.")
    return value


def _parse(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise RulesFileError(f"{path} is missing.") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesFileError(f"{path} is not valid TOML: {exc}") from None


def _read_file(version: str, language: str) -> dict:
    """One language file, checked field by field; texts lose their surrounding blank
    space (a literal string starts with a newline)."""
    path = PUBLISHED_DIR / version / f"{language}.toml"
    data = _parse(path)

    def fail(message: str) -> RulesFileError:
        return RulesFileError(f"{path}: {message}")

    if unknown := sorted(set(data) - _TOP_KEYS):
        raise fail(f"unknown keys {', '.join(unknown)}.")
    if data.get("version") != version:
        raise fail(f'version must be "{version}", the name of its folder.')
    effective_from = data.get("effective_from")
    if not isinstance(effective_from, date) or isinstance(effective_from, datetime):
        raise fail("effective_from must be a date, such as 2022-04-07.")
    data["title"] = _text(data, "title", TITLE_MAX, fail)
    clauses = data.get("clauses")
    if not isinstance(clauses, list) or not clauses:
        raise fail("there are no [[clauses]].")
    seen: set[str] = set()
    for number, clause in enumerate(clauses, start=1):
        _check_clause(clause, number, seen, fail)
    return data


def _check_clause(clause: dict, number: int, seen: set[str], fail) -> None:
    where = f"clause {number}"

    def clause_fail(message: str) -> RulesFileError:
        return fail(f"{where}: {message}")

    if unknown := sorted(set(clause) - _CLAUSE_KEYS):
        raise clause_fail(f"unknown keys {', '.join(unknown)}.")
    label = clause.get("label")
    if not isinstance(label, str) or len(label) > LABEL_MAX or not LABEL.match(label):
        raise clause_fail('label must be a clause number such as "4.2.14" or "4.5a".')
    where = f"clause {label}"
    if label in seen:
        raise clause_fail("the label is used twice.")
    seen.add(label)
    if not isinstance(clause.setdefault("unnumbered", False), bool):
        raise clause_fail("unnumbered must be true or false.")
    clause["title"] = _text(clause, "title", TITLE_MAX, clause_fail)
    clause["text"] = _text(clause, "text", None, clause_fail)
    if problems := markup.link_problems(clause["text"]):
        raise clause_fail(" ".join(problems))


def _text(table: dict, key: str, max_length: int | None, fail) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{key} must be a text that is not empty.")
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise fail(f"{key} is longer than {max_length} characters.")
    return value


def _check_same_rules(english: dict, malay: dict) -> None:
    """Both languages describe one rule set: same date, same labels in the same order, the
    same labels unnumbered. The first difference is named, so it can be found at once."""
    folder = PUBLISHED_DIR / english["version"]
    if english["effective_from"] != malay["effective_from"]:
        raise RulesFileError(f"{folder}: en.toml and ms.toml give different effective dates.")
    en_labels = [c["label"] for c in english["clauses"]]
    ms_labels = [c["label"] for c in malay["clauses"]]
    if en_labels != ms_labels:
        # The first position where they differ, or the end of the shorter list.
        pairs = zip(en_labels, ms_labels, strict=False)
        position = next((i for i, (en, ms) in enumerate(pairs) if en != ms),
                        min(len(en_labels), len(ms_labels)))
        raise RulesFileError(
            f"{folder}: en.toml and ms.toml must list the same clause labels in the same "
            f"order; they differ at clause {position + 1} (en.toml: "
            f"{_at(en_labels, position)}, ms.toml: {_at(ms_labels, position)}).")
    for en, ms in zip(english["clauses"], malay["clauses"], strict=True):
        if en["unnumbered"] != ms["unnumbered"]:
            raise RulesFileError(
                f"{folder}: clause {en['label']} is unnumbered in one file only.")


def _at(labels: list[str], position: int) -> str:
    return labels[position] if position < len(labels) else "none"
