"""Ids from names: every script kept, and a name never hands one article's id to another."""

from __future__ import annotations

import json
import unicodedata

import pytest

from index import Index, clean_id, shown


@pytest.mark.parametrize(("name", "expected"), [
    ("日本", "日本"),
    ("Zürich", "Zürich"),
    (unicodedata.normalize("NFD", "Zürich"), "Zürich"),   # macOS spells file names this way
    ("desk/brief", "desk/brief"),
    ("line\nbreak\x1b[31m", "line_break_[31m"),
    ("right\u202eleft", "right_left"),
    ("back\\slash", "back_slash"),
    ("../../etc/passwd", "etc/passwd"),
    ("\n", "article"),
])
def test_one_id_rule_keeps_letters_and_drops_only_what_is_unsafe(name, expected):
    assert clean_id(name) == expected


def test_names_in_messages_are_escaped():
    assert shown("evil\nname\x1b[2J.txt") == "evil\\nname\\x1b[2J.txt"
    assert shown("日本.txt") == "日本.txt"


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_names_in_other_scripts_are_two_articles(tmp_path, article_text):
    index = Index.open(tmp_path / "index")
    first = index.add([_write(tmp_path / "in" / "日本.txt", article_text("japanmarker"))])
    second = index.add([_write(tmp_path / "in" / "中国.txt", article_text("chinamarker"))])
    assert (first.added_ids, second.added_ids) == (("日本",), ("中国",))
    assert {row["doc_id"] for row in index.documents()} == {"日本", "中国"}
    assert "japanmarker" in index.article("日本").text


def test_a_taken_name_is_kept_apart_an_edit_updates_and_replace_replaces(tmp_path, article_text):
    index = Index.open(tmp_path / "index")
    a = _write(tmp_path / "a" / "article.txt", article_text("alphamarker"))
    b = _write(tmp_path / "b" / "article.txt", article_text("bravomarker"))
    assert index.add([a]).added_ids == ("article",)

    report = index.add([b])
    assert (report.added, report.updated, report.added_ids) == (1, 0, ("article-2",))
    (kept,) = report.renamed
    assert (kept.path, kept.wanted, kept.doc_id) == (str(b), "article", "article-2")
    assert f"name taken by another article (from {a})" in kept.reason
    assert f"kept apart: `article` from {b}: name taken" in report.summary()
    assert "alphamarker" in index.article("article").text
    assert "bravomarker" in index.article("article-2").text

    # The same files again: nothing changes, and each keeps its id.
    again = index.add([a, b])
    assert (again.unchanged, again.added, again.updated) == (2, 0, 0)
    # Each file edited in place updates its own article, the one kept apart too.
    b.write_text(article_text("bravoeditmarker"))
    edited = index.add([b])
    assert (edited.updated_ids, edited.added) == (("article-2",), 0)
    assert "bravoeditmarker" in index.article("article-2").text
    assert "alphamarker" in index.article("article").text

    c = _write(tmp_path / "c" / "article.txt", article_text("charliemarker"))
    replaced = index.add([c], replace=True)
    assert (replaced.updated_ids, replaced.renamed) == (("article",), ())
    assert "charliemarker" in index.article("article").text
    assert len(index.documents()) == 2


def test_two_files_with_one_id_in_one_build_are_both_kept(tmp_path, article_text):
    folder = tmp_path / "in"
    _write(folder / "story.txt", article_text("textversionmarker"))
    _write(folder / "story.md", article_text("markdownversionmarker"))
    _write(folder / "same.jsonl", "\n".join(json.dumps({"id": "rec", "text": t}) for t in (
        "First record with this id.", "Second record with the same id.")))
    index = Index.open(tmp_path / "index")
    report = index.build([folder])
    assert (report.added, report.skipped) == (4, ())
    assert sorted(report.added_ids) == ["rec", "rec-2", "story", "story-2"]
    assert {(r.wanted, r.doc_id) for r in report.renamed} == {("story", "story-2"),
                                                               ("rec", "rec-2")}
    texts = {index.article(d).text for d in ("story", "story-2")}
    assert any("markdownversionmarker" in t for t in texts)
    assert any("textversionmarker" in t for t in texts)
    # A rebuild finds the same ids again instead of adding a third.
    assert index.build([folder]).unchanged == 4


def test_cli_add_keeps_both_and_says_so(tmp_path, run_cli, article_text):
    a = _write(tmp_path / "a" / "article.txt", article_text("clialphamarker"))
    b = _write(tmp_path / "b" / "article.txt", article_text("clibravomarker"))
    folder = tmp_path / "index"
    done = run_cli("add", str(a), str(b), "--index", str(folder))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "  added: `article`, `article-2`" in lines
    assert (f"  kept apart: `article` from {b}: name also given to another article in this "
            f"write (from {a}), kept as `article-2`") in lines
    assert lines[-1].startswith(f"{folder}: 2 added, 0 updated")

    c = _write(tmp_path / "c" / "article.txt", article_text("clicharliemarker"))
    done = run_cli("add", str(c), "--replace", "--json", "--index", str(folder))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["updated_ids"], report["renamed"]) == (["article"], [])
    assert "clicharliemarker" in Index.open(folder).article("article").text


def test_control_characters_in_file_names_are_printed_escaped(tmp_path, run_cli):
    folder = tmp_path / "in"
    _write(folder / "evil\nname\x1b[2J.txt", "")
    done = run_cli("build", str(folder), "--index", str(tmp_path / "index"))
    assert done.returncode == 2, done.stderr
    assert "\x1b" not in done.stdout and "Traceback" not in done.stderr
    assert f"  skipped {folder}/evil\\nname\\x1b[2J.txt: empty file" in done.stdout.splitlines()
