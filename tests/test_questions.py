"""Questions of understanding (autograder/questions.py): answered in the notebook, checked by
`check`, graded per chapter by parsing (never running) the learner's file, and never readable
in the student edition."""

import json
import pathlib

import pytest

from autograder import check, questions
from autograder.authoring import notebook, release

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def chapter_notebook(ch):
    return next(p for p in BOOK.glob(f"{ch:02d}_*.ipynb"))


def answer_cells(path):
    """{question id: (cell index, source)} of the cells with an answer line."""
    out = {}
    for i, cell in enumerate(notebook.read_notebook(path)["cells"]):
        src = notebook.cell_source(cell)
        if cell["cell_type"] == "code" and questions.ANSWER_MARK in src:
            m = release.ANSWER_LINE.match(src.splitlines()[0])
            assert m, (path.name, i, src)
            qid = m.group(2).replace("_", ".")
            assert qid not in out, f"{path.name}: two answer cells for {qid}"
            out[qid] = (i, src)
    return out


def test_at_least_three_questions_per_chapter():
    for ch in range(1, 7):
        assert len([q for q in questions.QUESTIONS if q.chapter == ch]) >= 3, ch
    assert len(questions.BY_ID) == len(questions.QUESTIONS)


@pytest.mark.parametrize("q", questions.QUESTIONS, ids=[q.id for q in questions.QUESTIONS])
def test_each_question_has_its_cell_and_the_books_answer_is_right(q):
    path = chapter_notebook(q.chapter)
    cells = answer_cells(path)
    assert q.id in cells, f"{path.name} has no answer cell for {q.id}"
    i, src = cells[q.id]
    assert f'check("{q.id}", {q.var})' in src
    value = questions.answers_from_source(str(path), path.read_text(encoding="utf-8"))[q.var]
    right, feedback = questions.verdict(q, value)
    assert right, f"the book's answer to {q.id} does not match its digest"
    assert feedback.startswith("Right"), feedback  # the explanation decrypts
    # the question is asked in the markdown cell just before, and the stored output is a pass
    nb = notebook.read_notebook(path)
    assert f"Question {q.id[1:]}." in notebook.cell_source(nb["cells"][i - 1])
    out = "".join("".join(o.get("text", "")) for o in nb["cells"][i]["outputs"])
    assert out.startswith(f"✔ {q.id}: 1/1"), out


def test_nothing_stored_gives_an_answer_away():
    for q in questions.QUESTIONS:
        right, feedback = questions.verdict(q, None)
        assert not right and "not answered yet" in feedback
        assert not questions.decrypt(q, "a wrong answer").startswith("Right")
        assert q.explain and "Right" not in q.explain  # stored encrypted


def test_wrong_and_malformed_answers_get_the_nudge_or_the_form():
    q = questions.get("Q2.2")
    right, feedback = questions.verdict(q, (64, 1024))
    assert not right and feedback == f"not this one. {q.nudge}"
    assert questions.verdict(q, "64 x 64") == (False, "expected a tuple of ints, e.g. (2, 3), got '64 x 64'")
    assert questions.verdict(q, [64, 64])[0]  # a list is read as a tuple
    c = questions.get("Q2.3")
    assert questions.verdict(c, " Unchanged ")[0]  # choices: case and spaces
    assert "expected one of" in questions.verdict(c, "maybe")[1]
    n = questions.get("Q1.3")
    assert questions.verdict(n, 1)[0] and questions.verdict(n, 0.999)[0]
    assert not questions.verdict(n, 0.9)[0] and not questions.verdict(n, True)[0]


def test_check_dispatches_to_questions(capsys):
    r = check("Q4.1", 37)
    out = capsys.readouterr().out
    assert not r and r.score == 0 and r.max_score == 1 and out.startswith("✘ Q4.1: 0/1 — not this one.")
    r = check("Q4.1", 23)
    assert r and capsys.readouterr().out.startswith("✔ Q4.1: 1/1 — Right")


def test_answers_are_parsed_never_executed(tmp_path):
    marker = tmp_path / "ran"
    src = (
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
        "Q3_1 = (16, 9)\nQ3_2 = len('a')\nQ3_2b = 1\ndef f():\n    Q3_3 = (1, 1)\n"
        "%matplotlib inline\nQ3_4 = (9, 9)\nQ3_4 = (8, 8)\n"
    )
    found = questions.answers_from_source("03_mine.py", src)
    assert not marker.exists()
    assert found["Q3_1"] == (16, 9) and found["Q3_4"] == (8, 8)  # the last one wins
    assert "Q3_3" not in found  # not top level
    right, feedback = questions.verdict(questions.get("Q3.2"), found["Q3_2"])
    assert not right and "not a plain literal" in feedback


def test_grade_files_scores_each_chapter_from_its_own_file_first(tmp_path):
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": ["Q2_1 = 2\n", "Q2_2 = (64, 64)\n", 'Q2_3 = "changed"\n'],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "02_gram.ipynb").write_text(json.dumps(nb))
    (tmp_path / "other.py").write_text("Q2_3 = 'unchanged'\nQ2_4 = 'diagonal'\nQ1_2 = 2\n")
    files = [(p.name, str(p), notebook.chapter_of(p)) for p in sorted(tmp_path.iterdir())]
    tests = {t["name"]: t for t in questions.grade_files(files)}
    ch2 = tests[questions.group_name(2)]
    assert (ch2["score"], ch2["max_score"]) == (3, 4)  # Q2.3 from its own file: wrong
    assert "✘ Q2.3: 0/1" in ch2["output"] and "✔ Q2.4: 1/1" in ch2["output"]
    assert tests[questions.group_name(1)]["score"] == 1  # Q1.2 from the other file
    doc = questions.add_to_results({"score": 5, "tests": [{"name": "x", "score": 5, "max_score": 5}]}, files)
    assert doc["score"] == 5 + sum(t["score"] for t in tests.values())
    assert len(doc["tests"]) == 1 + 2  # chapters 1 and 2 were answered
    assert "Questions of understanding: " in doc["output"]
    (tmp_path / "03_conv.py").write_text("def toeplitz_1d(h, n):\n    pass\n")  # no question cells
    assert questions.grade_files([("03_conv.py", str(tmp_path / "03_conv.py"), 3)]) == []


def test_release_blanks_the_answers(tmp_path):
    release.release(BOOK, tmp_path, answers=False, helpers=False)
    for ch in range(1, 7):
        path = tmp_path / chapter_notebook(ch).name
        text = path.read_text(encoding="utf-8")
        assert questions.ANSWER_MARK not in text
        found = questions.answers_from_source(str(path), text)
        for q in questions.QUESTIONS:
            if q.chapter == ch:
                assert found[q.var] is None, q.id
                sources = "\n".join(notebook.cell_source(c) for c in json.loads(text)["cells"])
                assert f"{q.var} = None  # your answer: {q.form}" in sources
    bad = "Q9_9 = 1  # ANSWER"
    with pytest.raises(ValueError, match="must end a line"):
        release.blank_answers(bad)


def test_grade_adds_the_question_groups_to_results_json(tmp_path):
    """The hook in grade.py: a chapter notebook graded with every exercise gets its question group."""
    from autograder import grade as grading
    from autograder import sandbox

    subs = tmp_path / "subs"
    subs.mkdir()
    book1 = chapter_notebook(1)
    (subs / book1.name).write_bytes(book1.read_bytes())
    release.release(book1, tmp_path / "rel", answers=False, helpers=False)
    (subs / "student.ipynb").write_bytes((tmp_path / "rel" / book1.name).read_bytes())
    out = tmp_path / "out"
    grading.grade(
        [str(p) for p in sorted(subs.iterdir())],
        out,
        jobs=1,
        seed=1,
        limits=sandbox.Limits(wall=5, cpu=5),
        log=lambda *a: None,
    )
    for name, expected in ((book1.stem, 3), ("student", 0)):
        doc = json.loads((out / name / "results.json").read_text())
        group = next(t for t in doc["tests"] if t["name"] == questions.group_name(1))
        assert (group["score"], group["max_score"]) == (expected, 3), group["output"]
        assert doc["score"] == sum(t["score"] for t in doc["tests"])
    assert "not answered yet" in group["output"]
