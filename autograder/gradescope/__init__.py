"""Gradescope entry point: grade /autograder/submission into /autograder/results/results.json.

`run_autograder` (beside this file) calls `python -m autograder.gradescope`. The hidden-case
seed is the instructor's secret: $AUTOGRADER_SEED, or the file `autograder_seed.txt` in the
course folder uploaded with the autograder (never in the repository); without either, no
learner is graded (a results.json says the autograder is misconfigured). A valid results.json
is written whatever happens: when grading itself fails, score 0 and a visible message.
"""
