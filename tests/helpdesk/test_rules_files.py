"""The Support Rules data files (helpdesk/rules/published/<version>/<language>.toml): which
version is loaded, and the files that loading refuses, before it writes anything."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from helpdesk.models import Clause, RuleSet
from helpdesk.rules import files
from helpdesk.rules.files import RulesFileError, available_versions, read_rules
from helpdesk.rules.services import current_rule_set, load_published_rules

pytestmark = pytest.mark.django_db

SHIPPED = files.PUBLISHED_DIR / "2022-04-07"


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A copy of the shipped files to change; `edit(language, old, new)` changes one file
    of 2022-04-07, `add_version(...)` adds a version copied from it."""
    shutil.copytree(SHIPPED, tmp_path / "2022-04-07")
    monkeypatch.setattr(files, "PUBLISHED_DIR", tmp_path)

    class Published:
        def edit(self, language, old, new, version="2022-04-07", count=1):
            path = tmp_path / version / f"{language}.toml"
            text = path.read_text(encoding="utf-8")
            assert text.count(old) >= count, old
            path.write_text(text.replace(old, new, count), encoding="utf-8")

        def add_version(self, version, effective_from):
            shutil.copytree(SHIPPED, tmp_path / version)
            for language in files.LANGUAGES:
                self.edit(language, 'version = "2022-04-07"', f'version = "{version}"',
                          version=version)
                self.edit(language, "effective_from = 2022-04-07",
                          f"effective_from = {effective_from}", version=version)

    return Published()


def test_the_shipped_files_hold_both_languages_of_every_clause():
    rules = read_rules()
    assert rules.version == "2022-04-07" and available_versions() == ["2022-04-07"]
    assert rules.clauses[0].label == "1" and rules.clauses[-1].label == "7.2"
    for clause in rules.clauses:
        assert clause.text and clause.text_ms, clause.label
        # A literal string starts with a newline; the loaded text does not.
        assert clause.text == clause.text.strip() and clause.text_ms == clause.text_ms.strip()


def test_the_newest_version_is_loaded_by_default(published):
    published.add_version("2024-01-01", "2024-01-01")
    # Newest by effective date, not by name.
    published.add_version("2023-zz", "2023-06-01")
    assert available_versions() == ["2022-04-07", "2023-zz", "2024-01-01"]
    rule_set = load_published_rules()
    assert rule_set.version == "2024-01-01" and RuleSet.objects.count() == 1
    assert rule_set.clauses.count() == len(read_rules().clauses)


def test_load_rules_loads_the_version_asked_for(published, capsys):
    published.add_version("2024-01-01", "2024-01-01")
    call_command("load_rules", "--version", "2022-04-07")
    assert list(RuleSet.objects.values_list("version", flat=True)) == ["2022-04-07"]
    call_command("load_rules", version="2022-04-07")  # the same, from code; idempotent
    assert RuleSet.objects.count() == 1
    call_command("load_rules")
    assert set(RuleSet.objects.values_list("version", flat=True)) == {
        "2022-04-07", "2024-01-01"}
    assert current_rule_set().version == "2024-01-01"
    out = capsys.readouterr().out
    assert "Support Rules 2022-04-07 loaded" in out and "Support Rules 2024-01-01 loaded" in out


def test_an_unknown_version_is_refused_with_the_ones_there_are():
    with pytest.raises(CommandError, match=r"no Support Rules files for version 1999.*"
                                           r"there are: 2022-04-07"):
        call_command("load_rules", "--version", "1999-01-01")
    with pytest.raises(CommandError, match="no Support Rules files for version"):
        call_command("load_rules", "--version", "..")
    assert not RuleSet.objects.exists()


def test_labels_in_another_order_are_refused(published):
    published.edit("ms", 'label = "4.2.1"\n', 'label = "4.2.X"\n')
    published.edit("ms", 'label = "4.2.2"\n', 'label = "4.2.1"\n')
    published.edit("ms", 'label = "4.2.X"\n', 'label = "4.2.2"\n')
    with pytest.raises(RulesFileError, match=r"same clause labels in the same order; they "
                                             r"differ at clause 12 \(en.toml: 4.2.1, "
                                             r"ms.toml: 4.2.2\)"):
        load_published_rules()
    assert not RuleSet.objects.exists() and not Clause.objects.exists()


def test_a_clause_missing_from_one_language_is_refused(published):
    published.edit("en", '[[clauses]]\nlabel = "7.2"', '[[clauses]]\nlabel = "7.3"')
    with pytest.raises(RulesFileError, match=r"en.toml: 7.3, ms.toml: 7.2"):
        read_rules()
    published.edit("en", 'label = "7.3"', 'label = "7.2"')
    path = files.PUBLISHED_DIR / "2022-04-07" / "ms.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.rindex("[[clauses]]")], encoding="utf-8")
    with pytest.raises(RulesFileError, match=r"en.toml: 7.2, ms.toml: none"):
        read_rules()


def test_an_unnumbered_mark_in_one_language_only_is_refused(published):
    published.edit("en", 'label = "6.4"\nunnumbered = true\n', 'label = "6.4"\n')
    with pytest.raises(RulesFileError, match=r"clause 6\.4 is unnumbered in one file only"):
        read_rules()


@pytest.mark.parametrize(("old", "new", "message"), [
    ('version = "2022-04-07"', 'version = "2022-04-08"', "the name of its folder"),
    ("effective_from = 2022-04-07", 'effective_from = "2022-04-07"', "must be a date"),
    ('title = "Peraturan Sokongan untuk Perisian"', 'title = ""', "title must be a text"),
    ('label = "4.2.14"', 'label = "4.2.14 "', "label must be a clause number"),
    ('label = "4.2.14"', 'label = "4.2.13"', "clause 4.2.13: the label is used twice"),
    ("unnumbered = true", 'unnumbered = "yes"', "unnumbered must be true or false"),
    ('label = "5.1"\n', 'label = "5.1"\nunumbered = true\n', "unknown keys unumbered"),
    ("[[clauses]]", "[[clauses]", "is not valid TOML"),
])
def test_a_file_that_is_not_valid_is_refused_and_named(published, old, new, message):
    published.edit("ms", old, new)
    with pytest.raises(RulesFileError, match=message) as refused:
        load_published_rules()
    assert "ms.toml" in str(refused.value)
    assert not RuleSet.objects.exists()


def test_a_missing_language_file_is_refused(published):
    (files.PUBLISHED_DIR / "2022-04-07" / "ms.toml").unlink()
    with pytest.raises(RulesFileError, match=r"ms\.toml is missing"):
        load_published_rules()


def test_reloading_after_a_file_changes_updates_the_rule_set(published):
    rule_set = load_published_rules()
    published.edit("en", "Standard Support does not cover describing malware.",
                   "Standard Support does not cover writing up malware.")
    load_published_rules()
    clause = Clause.objects.get(rule_set=rule_set, label="4.2.4")
    assert clause.text == "Standard Support does not cover writing up malware."
    assert Clause.objects.filter(rule_set=rule_set).count() == len(read_rules().clauses)


def test_a_file_with_a_link_to_anything_else_is_refused(published):
    published.edit("ms", "[di sini](accounts:workspace#selfhelp-title)", "[di sini](evil:page)")
    with pytest.raises(RulesFileError, match=r"ms\.toml: clause 2\.1: The link “di sini” "
                                             r"points to “evil:page”"):
        load_published_rules()
    published.edit("ms", "[di sini](evil:page)", "[di sini](accounts home)")
    with pytest.raises(RulesFileError, match=r"ms\.toml: clause 2\.1: Write a link as"):
        load_published_rules()
    assert not RuleSet.objects.exists()
