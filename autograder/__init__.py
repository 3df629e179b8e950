"""The autograder of "From inner products to style transfer".

    from autograder import check, hint
    check("gram", gram)        # the public cases of one exercise, with feedback
    hint("gram")               # the next hint for it (the idea, the shapes, the formula)
    check("Q2.1", Q2_1)        # a question of understanding

Command line (`python -m autograder --help`): release, check, grade, sync.
The exercises, their cases and points are data in `autograder.exercises` (one module per chapter).
"""
from .hints import hint
from .selfcheck import CheckResult, check

__all__ = ["check", "hint", "CheckResult"]
