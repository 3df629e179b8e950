"""Questions of understanding: a number, a shape or a choice, answered in the notebook before the
cell that reveals the answer, self-checked like the exercises and graded as a group per chapter.

The answer is a plain literal assignment in a code cell of the chapter notebook:

    Q2_1 = (64, 64)          # in the book (with "# ANSWER" at the end of the line)
    Q2_1 = None              # in the student edition: the learner writes the answer
    check("Q2.1", Q2_1)      # the self-check, as for an exercise

Nothing here holds an answer. Each question stores `digest`, the SHA-256 of a salt and the
answer's canonical text (`canonical`), and `explain`, the explanation of the right answer
encrypted with a key derived from that same canonical text: a learner who answers right reads
it; one who answers wrong gets the question's `nudge`, which points at the reasoning, not the
value. (A hash keeps an answer out of sight, not out of reach: a question with three choices
can be answered by trying them, which is what answering is; the questions are worth one point.)

Grading never runs learner code: `answers_from_source` parses each code cell with `ast` and
takes the last top-level `QN_M = <literal>` (`ast.literal_eval`), in the grader's process.

Adding a question (chapter 6 included): pick an id "Q6.1" (variable Q6_1), its kind, and run
    python -m autograder.questions make Q6.1 shape "(64, 64)" "The explanation ..."
which prints the `digest` and `explain` fields of a new `Question(...)` entry for QUESTIONS.
In the notebook: the question in a markdown cell, then a code cell
`Q6_1 = (64, 64)  # ANSWER` and `check("Q6.1", Q6_1)`, then the cell that shows the answer.
tests/test_questions.py checks that every question has its cell and that the book's answers
match the digests.
"""

import ast
import base64
import hashlib
import json
import pathlib
import re
import sys
from dataclasses import dataclass

PASS, FAIL = "✔", "✘"
ANSWER_MARK = "# ANSWER"
ID_RE = re.compile(r"^Q(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Question:
    id: str  # "Q2.1": chapter 2, question 1; the notebook variable is Q2_1
    kind: str  # "shape" (a tuple of ints), "int", "number" (rounded), "choice"
    form: str  # what to write, shown in the student edition: "a tuple, e.g. (2, 3)"
    digest: str  # sha256(salt | canonical answer), hex
    explain: str  # the explanation of the right answer, encrypted (see _crypt)
    nudge: str  # feedback for a wrong answer: the reasoning, not the value
    choices: tuple = ()  # the allowed answers of a "choice" question
    decimals: int = 0  # "number": rounded to this many decimals before hashing
    points: int = 1

    @property
    def chapter(self):
        return int(ID_RE.match(self.id).group(1))

    @property
    def var(self):
        return self.id.replace(".", "_")

    @property
    def salt(self):
        return f"inner-products-to-style-transfer|{self.id}"


def canonical(q, value):
    """The canonical text of an answer, or raise ValueError saying what form is expected."""
    if q.kind == "shape":
        if isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, tuple) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise ValueError(f"expected {q.form}")
        return "(" + ", ".join(str(v) for v in value) + ")"
    if q.kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected {q.form}")
        return str(value)
    if q.kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected {q.form}")
        text = f"{round(float(value), q.decimals):.{q.decimals}f}"
        return f"{0:.{q.decimals}f}" if float(text) == 0 else text  # no "-0.00"
    if q.kind == "choice":
        if not isinstance(value, str):
            raise ValueError(f"expected {q.form}")
        v = value.strip().lower()
        if v not in q.choices:
            raise ValueError(f"expected one of {', '.join(map(repr, q.choices))}")
        return v
    raise ValueError(f"unknown kind {q.kind!r}")


def digest(q_id, text):
    return hashlib.sha256(f"inner-products-to-style-transfer|{q_id}|{text}".encode()).hexdigest()


def _crypt(key_text, data):
    """XOR with a SHA-256 keystream: the same call encrypts and decrypts."""
    key = hashlib.sha256(("explain|" + key_text).encode()).digest()
    stream = b"".join(hashlib.sha256(key + i.to_bytes(4, "big")).digest() for i in range(len(data) // 32 + 1))
    return bytes(a ^ b for a, b in zip(data, stream))


def encrypt(q_id, text, explanation):
    return base64.b64encode(_crypt(f"{q_id}|{text}", explanation.encode())).decode()


def decrypt(q, text):
    return _crypt(f"{q.id}|{text}", base64.b64decode(q.explain)).decode("utf-8", "replace")


def verdict(q, value):
    """(right, feedback) for an answer."""
    if value is None:
        return False, f"not answered yet: set {q.var} to {q.form}"
    try:
        text = canonical(q, value)
    except ValueError as e:
        return False, f"{e}, got {value!r}"
    if digest(q.id, text) == q.digest:
        return True, decrypt(q, text)
    return False, f"not this one. {q.nudge}"


# ----------------------------------------------------------------------------- the questions
def _Q(id, kind, form, digest, explain, nudge, **kw):
    return Question(id, kind, form, digest, explain, nudge, **kw)


QUESTIONS = [
    # QUESTIONS-DATA (generated by `python -m autograder.questions make ...`)
    _Q(
        "Q1.1",
        "choice",
        '"a", "b" or "c"',
        "4dd7cb2e0086a125782357d5cf4444b8808da49b9edaa1a130b8e843e2fd2cd1",
        "QeC9GH973RgjDufmurPXVxSPb9tsnCbRIPtYMXh86kfLaKfpDXOcgkgbDxk5W/1QSagAmUVFghqiuxOUChuTp/vC5EuYjh108TGTrH14DffiSAHrmaeDX/+aDAYo+x92XU+GgsTJt97CRrqwUuhOUVZtibu3eY6ykfkbfvMUcY4j12ssouOpZ946Gl1miLmkEjajljaA1dFhVaIBdSDcviDepcT0UvqK0k2KSIsbATplOnc+YkiwN4m+PWqgUCCOnF5qq0RbkQf/OixvQlvbOVvY+vxT3kRHjEnfeqTlV/BQKvso5QZKd5xIOJ1/oGoqnpiczaS7JkrfuNNogRlbq9NSTYeuCxAsp0JcNIz6+B5z",
        "Each product and each square root is rounded. What does arccos do to a cosine a few ulps away from 1, where its derivative is infinite? The next cell prints the cosine.",
        choices=("a", "b", "c"),
    ),
    _Q(
        "Q1.2",
        "int",
        "an int",
        "eb1939e98d253f4c9e7016a488cd7d11da6b8ddc254bd247d21e7a9edd697d3b",
        "QA+c6b7gJywVGnckggSGW+YAbMdYyqKUHHstkzngF/g7v3Xe1cCarloW6mrVz8b8pvpFzAREXZ1hLAJNwbY89AyQjSEa5N6Mu0Ei5m5h4lY2ODLbJz1Kw7Yeb9HYrGMlU++xYVqjVrsq0U3Aw0UcnlUhskeqsxLvbTstLQfArAUvH5/0s1sJFndqI5/0+5aoVMZy010tmVzTmpJu+46wyPYNiws7WBNt0PqJ8VSrSy9HonutRCbF",
        "Which of the 24 directions are perpendicular to a? Rounding leaves their a·b tiny but not zero: what does the tolerance do with it?",
    ),
    _Q(
        "Q1.3",
        "number",
        "a number (2 decimals are enough)",
        "94a5cb5754bbde337092cdb349280dffd5ca119a0554d0c9dba769d377ac083f",
        "eD+LrW5bmFTtQyR+Q27ELcSTxVUwIm6MkmvcKsbW+6OIMsVW5Zt9AdIIanif/Nq/ooUgdQtXo1DNErsfCj8ni7GKxpPFvPrcxW3VX1Jiam7lGcDBLXhFakvF17KHD3Dw4nq7hw4+YazH3YExfyULPEpSRZgbXA1r2EoZkEREaledZPq4wI55LNmmpOS+LhJxGIIOOj8MLjpAKJCX7bQPs3U5gm2ErvH3Wwf4kX/XghoP0iMN69agRI9Czt3KVTifIiQ=",
        "Is grey a multiple of white? The cosine does not change when a vector is scaled.",
        decimals=2,
    ),
    _Q(
        "Q2.1",
        "int",
        "an int",
        "92d7aedde26ec5faca144124a0f60927fbfe38a1d538173195e82579938fcea5",
        "t/4AGqm49rriQ8EWJAfLBwnkahaAdr3SIqI41JvaGiwkGvlgOxf0F1KPm7e3uOPJ0BNpGDQA/v3Yn8v19dCvCv3Kn21dTibWpDoTABnjTI+WCXDFs5cxEY1YV1HtdkH1CW1wetSGg/Ld8uMLB+upzFuzVMweykpzb5a+1xJ3P5womqar8GklzsB0RtoClCjOIpGiDs7UrhTRSiwkwtC8km5i/X3a5LuIVvbtMoXheXl40NVf/zboX4pIQxv2ieXssmnbtNsSWGZCSUFYbONaPE/S",
        "xᵀGx = ‖Vᵀx‖² is zero exactly when Σᵢ xᵢvᵢ = 0. How many independent such x can six vectors of R⁴ have?",
    ),
    _Q(
        "Q2.2",
        "shape",
        "a tuple of ints, e.g. (2, 3)",
        "8eb54508e1b2e5cf7b4dbf275219e2a123e62b9cf254a3eb8142d84b9110c48a",
        "H2/TUxSkUNbrckc8HrsHiLdAeuNAnxSWTApconsLZpDzK14bxsDufWcE1NFpKuvfcK+J3/yHYZvcL2Zc/ohZtBYjLDyKIz4kjo+izuHQQFVrWLg5XLAE8hl+zilD2HeoMdqYdhHmr4aLI0nIpweTLJhZtF2ma3AJg1dIhWJr4TWkJJ2f/sTT3mf3w7OhtWllTPP56JX6G41hbvqD6A57l+jJU27hQ39Eetcy6izw",
        "The vectors whose inner products G holds are the channels, each flattened to H·W numbers. How many vectors, so how many rows and columns?",
    ),
    _Q(
        "Q2.3",
        "choice",
        '"changed" or "unchanged"',
        "cdf99c68cd29f36c62fc6e61323633a36e1030e94e2f8a6a3f1153696537034b",
        "hbiZrORD6m7l29kBPHcZeiFg+0SivSnaggURp9iI3V3d1tLrdtuP6dW/UJL89FPP+NpdN0Jlumk7/+hRNCR6C8gScExplobQHY9oc5wqJKYVjqFol2x6nnWCSNnzZlD7MfdzmOOl9nR/UFJbfhb1cZgOtoX/8WSKO5OSHbwM2IVSom2T0vl8kj0bvBI5ozMqEfT2Toq8xYbmkMpqVSJYmZftX5EG9TE96NvrIsrk+MX1+668OPLbOaJIdEPpZdzdnR1UrWf+8gM4YSpPu7dOHt6Gszv8Xx+TWjnctWC3+hNdOnrOdYsgyYOQ5ZPIbKAvtT1v",
        "G_cd = Σ_k F_ck F_dk, a sum over positions k. What does a shift of all channels together do to the set of pairs (F_ck, F_dk) that are summed?",
        choices=("changed", "unchanged"),
    ),
    _Q(
        "Q2.4",
        "choice",
        '"diagonal", "off-diagonal", "all" or "none"',
        "bb57c0d2a8f4e2b71564df9261f335e1edae36ed2e005e648dd80756add90a42",
        "cWrUS8m2BwGCeecLKaVDcNQefkKF0rcGQTB/hCeIfQYSjiyftjLNVOc+krdFCMNDaoULel4bW7abDSC6NNGIGup05wzwR/XnISYNEMpDPQNzeP5JBs5LwNT9LO2hyBRe0F1uTLpv5a8x7UFHhxgDiU3yX+aB0XMVX4N1oSJ2BDoqWYAJOIt7OaO/tsQcfY4xp0RT9oEJAxo6Z+zfXClHdMj7eV+8H2Fkane2rA0k9eTHQyL3BuZK+vjOD9JWgE7B7j4bp8pb/LLNDDHFcmlpuWPCz05Nw8Qxv3tmChZ4HWOe7nCHrq4zYb+bCJzIY2XGYB91unMNzhGAur+KXKmjAyqgwhKuobifccLCPY2xxfI/n58JDSum3KULkzSawfGbkZ6e8noN1Jb/OZqkPaig/y6d9EU=",
        "Which entries of G involve one channel only, and which multiply two channels at the same position?",
        choices=("diagonal", "off-diagonal", "all", "none"),
    ),
    _Q(
        "Q3.1",
        "shape",
        "a tuple of ints, e.g. (2, 3)",
        "48bc65c5ba4437641e1a589ccc72c906a89490c6da25e974f0756e1009a4db4a",
        "osi5CDSVnO6YDCYxgzEsXs3I5n2VvqnbjLz7H4krbQgRkSIk/8uhVhKAF/euXTy2lYaqarHD/D4biXINx4OxtVMXj6uOd8MHcXFXO4oPIIwMDskEE2up+gji/Fd2zMsjB7djmZI7fKne/t28OcNnkmMZzASPf5PXJwMHIevzJdYi4XY/LsZ7oUtgq8vqHL8JrhmTQNH7MgUib79Ckj+Hq8ElS7zX8KGjAMiIZTJNeBnq9GS2S0IKGjLNqZNzkvXe3oQ9BdbiK1iRxOocKXGSgaC6F7N//SRC/qKklXOpsPdC87EVZzHderdSFayflBvF",
        "M multiplies vec(I) and returns vec(Y): how many numbers has each? Step 2 printed the output size.",
    ),
    _Q(
        "Q3.2",
        "int",
        "an int",
        "fc0a0419b70e0ba1d39b0105da303088cb1c6108d2931abd31d1358d7699601d",
        "3NW7LNCWl/Z/ZBj9PSLsz/AbNcNEY3M0s6OaD1z/JcHrxt/pYBqva3MMyWxeerxCLWInv9gwsb0gvzqQUIbJMH2/qK5U2HryMu42V7tCpqcp+7a9ejoyTYjWlMV9SfFlbbXUWEKAU3btLY5sDSom8kc6540S1Q0mbkJCyVXHwqx49h7gQf8Y/FxpVLWkYySf+3P7Xqe3JWbO4sdlxAY5ScWCrViKRYSb2/BFtxgC591sWaNbn3pX12CMDXbQgdcqviPpjA==",
        "Read the allocation, zeros(((n - m) ** 2, m**2)), and the condition on i % n and i / n.",
    ),
    _Q(
        "Q3.3",
        "shape",
        "a tuple of ints, e.g. (2, 3)",
        "3ae5cfb6d9ee9e6d13070c452aa06560822a71b2c7ff9596bd2a6bc0cd25a981",
        "FKTtoqX4CgnpeZ5+xR8x2jJ4ba+cCAdjjV+1HFHeZ30zS4ofsozKETNg+GcgxBaEJWQYO+FRDDJgfrBUtsAidG3sGEwPQlj1lY/Bid84EyXE8FLk6fYVnRf08W2m7xrmrd32N3A0YTiYu1VCr3E59eqqpf2uJC23XeOAQMC4kYqfHzMDvN3lDYSF2wzgLPNG6/tttcaMzx8ceK0zaypVcJKRwy5p1+fqoz+x2aGTjcv8Jq0X2Camz3PQwIYiTVk=",
        "Rows: C·kh·kw. Columns: out_h·out_w, with out = 128 − 3 + 1 per axis.",
    ),
    _Q(
        "Q3.4",
        "shape",
        "a tuple of ints, e.g. (2, 3)",
        "0a7c4d58d6f0b135ada6674e1c06401ab0407335a87b113231972b9fd13fdc09",
        "U1ulIThyewe2+xTddnrwfvLFyZWX+/RzfhG6ttNoLFBBa0u7g4Uyk7dzN5yhMw/VNOPAtSTkFxIDjL7PbfGZH5jtqzPeXjIgqpSfTR5DvqiuuFnxUL4Astn2L/n5/LVZ6MnybrN6ttPWmer7PqZKgxXwdzA9loMZBKY6QupAqMRzZQIzZBR2taVdkUmirtsv4myRsUEsarIMxRAvkkA=",
        "M_s maps a 9 × 9 input to 4 × 4 outputs; which way does its transpose go?",
    ),
    _Q(
        "Q4.1",
        "int",
        "an int",
        "45b71cc2160a37305cac9f7242309a20deaabcd714e7634e3e0b77b897dafd97",
        "2fzTkg6aWLZcnw5HCoe1AagDXwbFYp7chtQKkIxkKfPpLaUyMpnNbbUqcMVUWjmg95eVyFknRGMd4jBxmCAEgkdjXtz+LNcfDhP7F9u/kxN9GCF8EyNzgPG5H3Wl/jo2Olh3ik7fhxYdB81RrBSbyFU76ITNMdBEBPcxZ32N7WSAxk839mQtX/NpXdzrUuHiISqDdY9VUIzmjgCgAjKFlZnM8K/MPHFR2BeUtvyVFnQZyLfwsb11wfKUztUHusSAtbw=",
        "Convolution is correlation with the kernel rotated by 180°: rotate B first, then multiply it elementwise with the top-left 2 × 2 window of A and add.",
    ),
    _Q(
        "Q4.2",
        "choice",
        '"left" or "right"',
        "e6e8c22707a05de1c32fcfbf0e9dce3ee218b4d423194a969e580f39304d9079",
        "ZCdXuJ+FJK1uL/tXsVoIA/XB2TfXRo7fkHrGslpLWq4fnvK9JFkGueJBNrSA0y2qj7s2k1vZekLK5YtyL9QBM5v2Qb+WKfhSCo7O9s5PCYHmwdbyjUjiNlaC5Y8734B9bRXNR8KW9XobDnXprvWdHBfvbJNDUdf+HW6NEY2TtFRIIQyQxLCaSuxbN41aI6ci2w9Abm28ce8QhTgWCsKQVUsq4uHftT2GRSkk7Gw4fJlaXWvpygtfyiCjrUARe4vl2JhRa/74o30WkhJSvCvj15Q4Hzjb6bq7WccMJcwK4qnnL3nR1aW/7pbHpqOIAEvW",
        "In 'same' mode the kernel's centre sits on the output pixel. Where is the 1 after the flip, and which input pixel does output (i, j) then read?",
        choices=("left", "right"),
    ),
    _Q(
        "Q4.3",
        "choice",
        '"K", "flipped" or "neither"',
        "c5580efcc4e0c6c8002af053c41c93882f5e384018337913f1dd396af329a02e",
        "86tc9xnZxo+SlJHuiHM5dvecse5k297CS/r6iTzwpM1pU63iyRDEzehRDRUQHVYc8fshvSY4UCmLBjqxO0rMElJkxLp93lvoWzbFb+5yqBr7qqsCTG8mu7XWkOcfbjO/d9CHyllK3MxZdh9Ezn3JGghEC1cF6NDkJK4zeoRTkTouzkc5IcwTkm8S7yycBl6Pd6tlDfzsc+3udKqCBKDTXFy6AgpX4MAF4vJUAyAPztcvIAE7byi0A3dwsln5l3XYjJxudDbJRgeKQkA2bp25Gy3nqIqbS1w0JLD/7rT59e5SkgEXDeC4GlfvRvJPunQbeagD4Euv",
        "Write conv(x, K) as a correlation (section 4.1): with which kernel? A least-squares fit that can reach zero error finds it.",
        choices=("k", "flipped", "neither"),
    ),
    _Q(
        "Q4.4",
        "int",
        "an int",
        "1207be64190a2d3fe7680641787f1e3bc20501b2bf8690dfcb973acd0b9b8df2",
        "1HKYP7GGSJHw4DHnZIo4qzggfbCdUUUUF8/uSDNjviUC4XbMgec8zr0IZflnBIQoZCjQzHCSm1brvimGKC0vCi/9sNp5OGWyfIfjWr7Z2ctrEL+ZGiuP9hdZ62d1e7w4qETUB8mfCYyyaYrOQtSkkCRSUop1Nm95/roIKJPzWgMV2ICjiXjAe9mCh7NnqVNVk8TvENl4dm9TOEpCp3ObSNztMAIZmAoTh33/9cqXMikpjk9YuqpzIWVD85Hh8kRyCaOZugN/sqBty3CDR7w=",
        "Apply ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 with d = s = 1.",
    ),
    _Q(
        "Q5.1",
        "int",
        "an int",
        "47390cea72b86488f8ff70d41a7d0b0ecd92e95c11d4ab8e9a3bcd09308c9908",
        "pu1RfkPhO6E/a5SIXHi934E08oz8dbv3i1M/RTlbYn7Diki64FRgtVFU0h2LB693dFUaARh6aOdB7RKV3h/oxiT8zcQrbJy/dYhnToCpkfQy5ZeBpDU9Sdyq7KxalgDg7tYmftUlm9jR0xd15L/js7jvaUrkkMzaYQNDUoVcP9p7xIbHR3jvsF/entXsq6cjgnBuRd4eWdZIQdrAh0xyq9rZRq0ZFh34vOBH/JM5LDA4ruSpJe1pTGpaVot3ZHX01MAo1Z/uZNEcYEbl4QrQe63Ch8lSDzFu0sSMBRSAToLZJ/BeW1gBCKd68HU0xe0bNN3ZWmsYtJdXcjM/QS9SYwTo81RaSCXv6fUgyvcKz/QSnacRKaDjsoBcd6bZ/EqUhQQG",
        "How many distinct points are there? What can a third code do, and what does scipy do with a centroid that no point chooses?",
    ),
    _Q(
        "Q5.2",
        "choice",
        '"yes" or "no"',
        "b8169b602f56b9634be5350ad134c95d79a1f361a43941a6eb7ac59139c7087b",
        "iUyEqV91MH1m3MrbQpBiR+3fG55PS5XzugIJGzSteL85OPhGUMsCQ7NZasOf37pC15Ah+eQo2OefuMJkW4FY9ZpcaRSN4YvU36heMw9kzJ7dTTisZYd1l2oVAcoZBhs/yCKwmYlmXFabrBE9sMca+tT5lC2OgtNIh9a9Id0OqVO+Hz3J2Xph6nVNdtg6d6fCQY/G5SYNKy8kKkyv0Fo5FoKJYPMl2PuyGWpkakNWtei3WtluPvkiJ/xeaJZ+bAAoRANIYVfvr8w8ffoi1eWR7xKVbILtvLzuXrz//Yj8mMRAyTHDo39OeVei9yq2VhZbxy3LZ9LJet3BTFo4/g7P83/OzCI=",
        "Which quantity does moving a code to the mean of its points minimise? Does the mean also minimise the sum of unsquared distances?",
        choices=("yes", "no"),
    ),
    _Q(
        "Q5.3",
        "int",
        "an int",
        "7e4778bcc43ab3a13df9237d8878ace4675b624125d713307fd9e4eb07429e88",
        "Y+t6nfzYLfrY438qKs3/s4KxNvXKsn3cTPxkj9ztqZS8nq8D0MCeYCHMQxNYxD8qDrCBlf9SeWVxdjZGUAwyAJKl1fKqhPjTi/1T2BDLgg4aKNKrIuwl69xpBRdFY9/o4oYL8WpYEELA7k7k6/774juo8E60A+bE3ewgargWkFpRC8zOvrnZc0WZnyPr2IfvhKkyuvZR1rZylNgMwUgnsLSWLs0NghiPga1bLe81cAnL09GtVTt2cpLTgFEt",
        "Two parts: the palette (k colours of 3 bytes) and one index of log₂ k bits per pixel.",
    ),
    _Q(
        "Q5.4",
        "choice",
        '"none", "zero" or "nonzero"',
        "5c78307fca6af8a32c072147844acb8394c6ce2773e80ea503afb93d47b72ccd",
        "XTI+auD+qxF3cEw30jR2tiSuuAKoVUNL74e332R8uTULVfipe+E3lQv6BKJZ6nI0ZzlICWVdlkdqesdNOC8iKJbW3V5IW0KvElRdx3PYT/chayYujCgxd8IvW2geQN5a7ORUAvi4m0kXor7Wipy3vgT0Jy3VRfrkfehVnKncilqKvT+qIYJKucHzypCupj8zGqjaSNbQkjZw7pntJxHgjT1hBJrbIHkMl921EXlLUr7DaVoc13avZ/6vhIUj5e/rgJxJxsU3E9x2UDmdu1QowBltHpaAjjEfjzKybVV7t9PebA==",
        "Write z_q = z + sg[e − z]: which of z and e does autograd see outside sg[...]?",
        choices=("none", "zero", "nonzero"),
    ),
    _Q(
        "Q6.1",
        "shape",
        "a tuple of ints, e.g. (2, 3)",
        "9f61ca706ce48db385ca69808aa0e6a18f70d9e4c942adab726984b88ebb0a19",
        "VFdK4tMViuEbOIcR4/81K2iPQVQGa1mNq1nC1e/YDJDUG2niAhFEA1dB6o4VQok4noZJaKCwtVkyuQVyl24/cIe70eTwCYj32c5sGPVmB1rQBKjiaTIHKf9mqpA4moDtFMckaTNX14W/GQoYleM6Obu2EdKw5HDzz9ly7iVuAri+JchCpLwsln2kGoLsNujUx3abXRz3RgAdB1AXdmlhVXR6+B5dTghecSHl",
        "A Gram matrix has one row and one column per filter. How many filters has conv3_1 (the third block of VGG-19)? Does the number of positions appear in the shape?",
    ),
    _Q(
        "Q6.2",
        "int",
        "an int",
        "2dabacd317e01ec0c042604ffe67ef3ecc94be047a562c50934bf70d0646fff9",
        "8hvMMYypeGbOGvVgJtAY4JSkPPi/Vr1zw4C9sendtc/D+xpyV9cB/Qg1zAcs4LQSNWZg9UXkoelBGU/2MFJTwG/nrrtqx7NS19JRQE2kRam9i6gER/YxjA09eadCYXKmxVXjHTYnnTdyRFduoEcFNiAWEXFRPR26EayFmQ==",
        "Which tensor is in the list given to the optimiser? Count its numbers: channels times height times width. The network is not in that list.",
    ),
    _Q(
        "Q6.3",
        "choice",
        '"up", "down" or "unchanged"',
        "ccd013498a9af4b91518d9b1ec47f8a7688f55b34c385cae32ff9b8c728a89c5",
        "Vpimv9KiDSPf1eV/4gUjXXz+M4IdbMP3al/eyFxaJIsoZWaQb/cB6TUF6hEeuF2stYK+J+lqPuCZ0ie7CS6u8CdwlkzZFVNIC7g2hf+KUTXxLzmOZBZgIpr9THB0NihQj0/+LN1e4YHUjG/QlS7cawKK1VCUXG69JzajJpIa83YBuQkIWCiTmwvkq6Ab0FasmccuCBBD9TNqiI8LXnayaL3IxJAnoQLR/jOZFPY1KnilDgcQXIa6RWRg",
        "The optimum balances α·content against β·style. If the style term weighs more, which of the two does the optimiser sacrifice?",
        choices=("up", "down", "unchanged"),
    ),
]

BY_ID = {q.id: q for q in QUESTIONS}


def get(q_id):
    try:
        return BY_ID[q_id]
    except KeyError:
        raise KeyError(f"unknown question {q_id!r}; known: {', '.join(BY_ID)}") from None


def chapters():
    return sorted({q.chapter for q in QUESTIONS})


def group_name(chapter):
    return f"questions of understanding, chapter {chapter}"


# ----------------------------------------------------------------------------- self-check
@dataclass
class QuestionResult:
    name: str
    score: int
    max_score: int
    line: str = ""

    @property
    def passed(self):
        return self.score == self.max_score

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return f"QuestionResult(name={self.name!r}, score={self.score}, max_score={self.max_score})"

    def _ipython_display_(self):
        """Display nothing in a notebook: the line is printed already."""


def check(q_id, value, quiet=False):
    q = get(q_id)
    right, feedback = verdict(q, value)
    line = f"{PASS if right else FAIL} {q.id}: {q.points if right else 0}/{q.points} — {feedback}"
    if not quiet:
        print(line)
    return QuestionResult(q.id, q.points if right else 0, q.points, line)


# ----------------------------------------------------------------------------- grading
def _cells(path, text):
    if str(path).endswith(".ipynb"):
        try:
            nb = json.loads(text)
            return [
                "".join(c["source"]) if isinstance(c.get("source"), list) else c.get("source", "")
                for c in nb.get("cells", [])
                if c.get("cell_type") == "code"
            ]
        except (ValueError, TypeError, AttributeError, KeyError):
            return []
    return [text]


def answers_from_source(path, text):
    """{variable: value} of the top-level `QN_M = <literal>` assignments of a file (the last wins).
    Parses only: nothing of the file is executed."""
    found = {}
    for src in _cells(path, text):
        src = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in src.splitlines())
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is None:
                    continue
                for t in targets:
                    if isinstance(t, ast.Name) and re.fullmatch(r"Q\d+_\d+", t.id):
                        try:
                            found[t.id] = ast.literal_eval(node.value)
                        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                            found[t.id] = _Unreadable()
    return found


class _Unreadable:
    def __repr__(self):
        return "an expression that is not a plain literal"


def _chapter_of(label):
    m = re.match(r"(\d+)_", pathlib.Path(label).name)
    return int(m.group(1)) if m else None


def grade_files(files, max_bytes=20 << 20):
    """One Gradescope test per chapter with questions, from a submission's files
    [(label, path, chapter or None)]. A chapter's answers come from its own file first. A
    chapter whose answer variables appear in no file (a submission that is not made from the
    course's notebooks, whose answer cells read `Q2_1 = None` until answered) gets no group."""
    per_file = []
    for label, path, chapter in files:
        try:
            p = pathlib.Path(path)
            if p.stat().st_size > max_bytes:
                continue
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        per_file.append(
            (chapter if chapter is not None else _chapter_of(label), answers_from_source(str(path), text))
        )
    tests = []
    for ch in chapters():
        qs = [q for q in QUESTIONS if q.chapter == ch]
        own = [a for c, a in per_file if c == ch]
        others = [a for c, a in per_file if c != ch]
        if not any(q.var in a for q in qs for a in own + others):
            continue
        lines, score = [], 0
        for q in qs:
            value = next((a[q.var] for a in own + others if q.var in a), None)
            right, feedback = verdict(q, value)
            score += q.points if right else 0
            lines.append(
                f"{PASS if right else FAIL} {q.id}: {q.points if right else 0}/{q.points}"
                + ("" if right else f" — {feedback}")
            )
        maximum = sum(q.points for q in qs)
        tests.append(
            {
                "name": group_name(ch),
                "score": score,
                "max_score": maximum,
                "status": "passed" if score == maximum else "failed",
                "output": "\n".join(lines),
                "visibility": "visible",
            }
        )
    return tests


def add_to_results(doc, files):
    """Append the question groups to a results.json document (grade.py's hook)."""
    tests = grade_files(files)
    doc["tests"] = list(doc.get("tests", [])) + tests
    doc["score"] = doc.get("score", 0) + sum(t["score"] for t in tests)
    if tests:
        got, of = sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)
        doc["output"] = (
            doc.get("output", "") + f"\nQuestions of understanding: {got}/{of} points, "
            "included in the score (one group per chapter)."
        ).lstrip("\n")
    return doc


# ----------------------------------------------------------------------------- authoring
def make(q_id, kind, answer, explanation, **kw):
    """The digest and encrypted explanation of a new question (python -m autograder.questions make)."""
    q = Question(q_id, kind, "", "", "", "", **kw)
    text = canonical(q, ast.literal_eval(answer) if kind != "choice" else answer)
    return {"digest": digest(q_id, text), "explain": encrypt(q_id, text, explanation)}


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "make":
        _, _, q_id, kind, answer, explanation, *rest = sys.argv
        kw = {}
        for r in rest:
            k, v = r.split("=", 1)
            kw[k] = tuple(v.split(",")) if k == "choices" else int(v)
        print(json.dumps(make(q_id, kind, answer, explanation, **kw), ensure_ascii=False, indent=1))
    else:
        print(__doc__)
