"""The autograder of "From inner products to style transfer".

    from autograder import check
    check("gram", gram)        # the public cases of one exercise, with feedback

Command line (`python -m autograder --help`): release, check, grade, sync.
The exercises, their cases and points are data in `autograder.registry`.
"""
from .selfcheck import CheckResult, check

__all__ = ["check", "CheckResult"]
