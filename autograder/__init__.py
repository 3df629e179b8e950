"""The autograder of "From inner products to style transfer".

    from autograder import check, hint
    check("gram", gram)        # the public cases of one exercise, with feedback
    hint("gram")               # the next hint for it (the idea, the shapes, the formula)
    check("Q2.1", Q2_1)        # a question of understanding

Command line (`python -m autograder --help`): release, check, grade, report, sync, catalogue.

The rooms: `sandbox/` (everything that touches learner code at grading), `exercises/` (one
module per chapter: the cases, points, misconceptions and judges, as data), `authoring/`
(release, sync); the core between them: `cases.py` (cases -> harness calls and expected
answers), `engine.py` + `compare.py` (-> verdicts), `verdicts.py` (the outcomes, and the one
place feedback is worded), `grade.py` / `selfcheck.py` / `report.py` (-> reports).
"""

from .hints import hint
from .selfcheck import CheckResult, check

__all__ = ["check", "hint", "CheckResult"]
