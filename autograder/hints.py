"""Progressive hints: the one source of the hint text of every exercise (and of every private
helper a learner is asked to write).

Each entry is two or three levels, from the idea to the shapes to the formula, never a line of
the reference code (tests/test_hints.py compares every hint with the statements of the
reference). They are shown one at a time, on request, and counted in nothing:

- in a notebook, `hint("gram")` prints the next level each time it is called
  (`hint("gram", level=2)` prints that level; `hint("gram", reset=True)` starts again);
- in the book, the markdown cell tagged `hints` under an exercise's statement holds one closed
  `{dropdown}` per level, generated from this data: `python -m autograder.hints book` rewrites
  those cells, and tests/test_hints.py fails when one differs from `markdown(...)`;
- in the student edition, `release` replaces that cell by a pointer to `hint(...)` (a raw
  MyST dropdown is unreadable in Jupyter), and each stub raises
  `NotImplementedError(stub_message(name))`.

GIVEN lists the private helpers of a solution block that the learner is *not* asked to write:
the student edition keeps them in full (they are plumbing, not the exercise's point), and the
exercise statement says they are there. Every other def/class of a solution block is stubbed.

Chapter 6 (or any new exercise) adds an entry to HINTS: `"name": (level 1, level 2[, level 3])`,
a markdown cell tagged `hints` (write `markdown(["name"])`, or run the CLI above), and nothing
else.
"""

import json
import pathlib
import re
import sys

HINTS = {
    # ---- chapter 1
    "inner": (
        "The inner product pairs the two vectors position by position and adds the products: "
        "numpy does the pairing for you when both are arrays of the same shape.",
        "Turn both arguments into float arrays first (lists and `uint8` pixels included: an "
        "integer product can overflow before you ever sum it). Then check the shapes yourself: "
        "both 1-D, the same length. Broadcasting would happily pair a length-1 array with any other.",
        "a·b = Σᵢ aᵢbᵢ: the elementwise product has the shape (n,), and its sum is one number; "
        "return it as a Python `float`.",
    ),
    "cosine_similarity": (
        "cos θ = a·b / (‖a‖‖b‖): three inner products, all of which your `inner` computes "
        "(‖a‖² = a·a), and `inner` already refuses a length mismatch.",
        "A zero vector has no direction: test for it before dividing and raise `ValueError`, "
        "instead of letting numpy return `nan` with a warning.",
        "Optional, for robustness: cos θ does not change when a or b is multiplied by a positive "
        "number, so dividing each by its largest |entry| first keeps a·a from overflowing "
        "(entries around 1e200) or underflowing (entries around 1e-200).",
    ),
    "angle_between": (
        "Do not take `np.arccos` of the cosine: near 0° and 180° it turns the last bit of "
        "rounding into an angle of about 1e-6°. Section 1.3 gives a formula that stays accurate: "
        "it measures the angle from the difference and the sum of the two unit vectors.",
        "Make unit vectors u = a/‖a‖ and v = b/‖b‖ (after the same checks as `cosine_similarity`). "
        "‖u − v‖ = 2 sin(θ/2) and ‖u + v‖ = 2 cos(θ/2), so the angle is twice the `np.arctan2` "
        "of these two lengths, in radians.",
        "Even then, exactly parallel vectors leave ‖u − v‖ at a few ulps instead of 0: snap an angle "
        "within a small multiple of the machine epsilon (`np.finfo(float).eps`, say 16 of them) "
        "of 0 or of π to exactly 0 or π, and convert to degrees only at the end.",
    ),
    "direction": (
        "Only the sign of a·b matters, but 'equal to zero' needs a tolerance: rounding leaves "
        "perpendicular vectors with a·b around 1e-17.",
        "Make the tolerance relative: compare |a·b| with tol·‖a‖‖b‖, so that scaling both vectors "
        "by 10⁶ does not change the answer. Your `inner` gives a·b and both squared lengths.",
        'Three outcomes, tested in this order: within the tolerance → "orthogonal"; otherwise '
        'the sign of a·b decides between "acute" (positive) and "obtuse" (negative).',
    ),
    # ---- chapter 2
    "gram": (
        "Entry (i, j) is the inner product of row i with row j: a table of every pairwise inner "
        "product, which one matrix product computes at once (section 1.6).",
        "With the k vectors as the rows of V (shape (k, n)), the product of V with its transpose "
        "has shape (k, n) × (n, k) = (k, k). Check that V is 2-D, and convert integers to floats.",
        "G = V Vᵀ, not Vᵀ V: the latter is (n, n), the Gram matrix of the columns.",
    ),
    "gram_matrix": (
        "A feature map (C, H, W) is C vectors, one per channel, each the H·W responses of one "
        "filter: flatten the positions, keep the channels, and take the Gram matrix of the rows.",
        "Reshape to (C, H·W) (with a batch: (B, C, H·W), keeping B in front); transpose only the "
        "last two axes, with `np.swapaxes(F, -1, -2)` for numpy and `F.transpose(-1, -2)` for torch, "
        "so that the same code works with and without the batch. The product is (…, C, C).",
        "G = F Fᵀ, then divide by H·W when `normalize` is true. Use only operations that torch can "
        "differentiate (no `.numpy()`, no in-place changes of the input), and return the type you got.",
    ),
    "gramian_angular_field": (
        "Three steps: rescale the series to [−1, 1], read each value as the cosine of an angle "
        "φᵢ, and fill an n × n table with cos(φᵢ + φⱼ) or sin(φᵢ − φⱼ).",
        "The rescaling maps the minimum to −1 and the maximum to +1: x̃ = (2x − max − min)/(max − min); "
        "clip it to [−1, 1] against rounding. A constant series has max = min: raise `ValueError`.",
        "No `arccos` is needed: cos φᵢ = x̃ᵢ and sin φᵢ = √(1 − x̃ᵢ²). The addition formulas turn "
        "each field into two outer products (`np.outer`) of these two vectors; mind the order "
        "i, j in the difference field (row i, column j).",
    ),
    # ---- chapter 3
    "toeplitz_1d": (
        "Column j of T is the kernel h shifted down by j places (the output of a unit impulse at "
        "position j); every entry depends only on the lag i − j.",
        "T has n + m − 1 rows and n columns. A column vector of row indices minus a row vector of "
        "column indices gives the (n + m − 1, n) array of lags by broadcasting.",
        "T[i, j] = h[i − j] where 0 ≤ i − j < m and 0 elsewhere: index h with the lags clipped into "
        "range, and use `np.where` to zero the entries whose lag is outside it.",
    ),
    "conv_matrix_2d": (
        "Do not follow the eight steps: use their result. M has one row per output pixel and one "
        "column per input pixel, and entry (output p, input i) is the kernel tap that links them.",
        "Input pixel (i, j) meets tap (a, b) at full-output pixel (i + a, j + b): with out_w output "
        "columns that is row (i + a)·out_w + (j + b) and column i·W + j. 'valid' keeps the outputs "
        "whose window lies inside the input: shift by (kh − 1, kw − 1) and drop what falls outside.",
        "Build the arrays of (row, column, value) for every (i, j, a, b) with broadcasting "
        "(`np.meshgrid` or `[:, None]`), then hand them to `scipy.sparse.coo_matrix` (or `csr_matrix`) "
        "with shape (out_h·out_w, H·W).",
    ),
    "im2col": (
        "One column per output position, one row per (channel, tap) pair: each column is one window "
        "of the padded input, flattened in the order (c, a, b), the order of `weight.reshape(O, -1)`.",
        "Pad x with `np.pad` (only the two spatial axes), then out_h = (H + 2p − kh)//s + 1 (the same "
        "for the width); the result is (C·kh·kw, out_h·out_w).",
        "For a fixed tap (a, b), the values it meets in all windows are one strided slice of the "
        "padded input, starting at (a, b) with step (sh, sw) and out_h × out_w entries: fill an array "
        "(C, kh, kw, out_h, out_w) tap by tap and reshape it.",
    ),
    "conv2d_im2col": (
        "A convolutional layer is one matrix product: every filter (a row) against every window "
        "(a column of `im2col`).",
        "The weight (O, C, kh, kw) reshapes to (O, C·kh·kw) in the same (c, a, b) order as the rows of "
        "`im2col`; for each image the product is (O, C·kh·kw) × (C·kh·kw, L) = (O, L). `@` broadcasts over "
        "a leading batch axis, so stack the column matrices of the N images as (N, C·kh·kw, L).",
        "Add the bias as a column (shape (O, 1)), then reshape (N, O, L) to (N, O, out_h, out_w). No flip: "
        "this is the cross-correlation that `torch.nn.functional.conv2d` computes.",
    ),
    "unroll_matrix": (
        "Count again: a window of width m starts at columns 0, 1, …, n − m, which is n − m + 1 "
        "positions, and the same for the rows. That is what the seed's code gets wrong, twice.",
        "The result has (n − m + 1)² rows and m² columns; row r·(n − m + 1) + c is the window with its "
        "top-left corner at (r, c), flattened row by row.",
        "Either two loops over the window corners (slice X[r:r + m, c:c + m] and flatten it), or no loop "
        "at all: `numpy.lib.stride_tricks.sliding_window_view` returns every window as an array of shape "
        "(n − m + 1, n − m + 1, m, m), which a reshape turns into the matrix.",
    ),
    # ---- chapter 4
    "_check_2d": (
        "The argument checks that exercises 13 and 14 share: write them once and call them from both.",
        "Convert a and k with `np.asarray`; both must be 2-D and non-empty; the mode must be one of "
        "MODES; in 'valid' mode the kernel must fit inside a in both dimensions.",
        "Raise `ValueError` with a message that starts with the caller's name, and return the two arrays.",
    ),
    "correlate2d": (
        "Cross-correlation slides the kernel as it is over the input and takes, at each position, the "
        "sum of the elementwise products of the kernel and the window under it.",
        "'full' pads a with kh − 1 rows and kw − 1 columns of zeros on each side, 'valid' pads nothing; "
        "'same' is the H × W block of the full result starting at row kh // 2, column kw // 2. The valid "
        "correlation of an (H', W') array is (H' − kh + 1, W' − kw + 1).",
        "All windows at once: `sliding_window_view(a_padded, k.shape)` has shape (out_h, out_w, kh, kw); "
        "contract its last two axes with k (`np.einsum` or `np.tensordot`). A loop over the kh·kw taps, "
        "adding shifted slices of the padded input times one tap each, works as well.",
    ),
    "convolve2d": (
        "Convolution is cross-correlation with the kernel flipped in both axes (section 4.1): reuse "
        "your `correlate2d`.",
        "Flip with `k[::-1, ::-1]`; 'valid' and 'full' then agree with scipy directly.",
        "'same' with an even kernel is the exception: compute the full result and crop H × W starting at "
        "((kh − 1) // 2, (kw − 1) // 2), one position earlier than the correlation's crop.",
    ),
    "conv_output_size": (
        "Count the windows along one axis: where the first one starts, how far apart consecutive ones "
        "are, and where the last one may end.",
        "The padded input has n + 2p positions; a dilated kernel spans d(k − 1) + 1 of them; windows "
        "start at 0, s, 2s, …",
        "The last start is at most n + 2p − d(k − 1) − 1, so there are ⌊that / s⌋ + 1 windows; fewer than "
        "one is a `ValueError`. Return a Python `int`.",
    ),
    # ---- chapter 5
    "vq": (
        "For every observation, the distance to every code, then the index of the smallest: a table of "
        "n × k distances, which inner products compute in one matrix product (section 5.1).",
        "‖x − y‖² = ‖x‖² − 2 x·y + ‖y‖²: the middle term for all pairs is one (n, d) × (d, k) product; "
        "‖x‖² is the same for every code and does not change which code is nearest. `np.argmin` along "
        "the codes returns the first minimum, which is the tie rule.",
        "Then compute each chosen distance again from x − y itself (the expanded form loses its digits "
        "near 0). Accept lists, treat a 1-D `obs` as n points of R¹, and check the dimensions.",
    ),
    "_kmeans_pp": (
        "k-means++ picks well-spread starting codes: the first one at random, each next one far from "
        "those already chosen, with a probability that grows with the distance.",
        "Keep, for every point, its squared distance to the nearest code chosen so far (an (n,) array); "
        "draw the next code with probabilities proportional to it (`rng.choice(n, p=...)`), then update "
        "the array with the new code.",
        "Weights w (one per point) multiply those probabilities (all ones for plain k-means). If every "
        "distance is 0 (fewer distinct points than k), draw uniformly instead of dividing by 0.",
    ),
    "_lloyd": (
        "Alternate the two optimality conditions of section 5.3: give every point its nearest code, then "
        "move every code to the mean of its points.",
        "Your `vq` does the first half-step. For the means, `np.bincount(codes, weights=...)` sums the "
        "weights (and, one coordinate at a time, the weighted coordinates) per code: (k,) and (k, d).",
        "A code with no points would divide by zero: move it instead to the point farthest from its code "
        "(the worst served), so that the code book keeps exactly k rows.",
    ),
    "kmeans": (
        "Lloyd's algorithm from a seeded start: `np.random.default_rng(seed)` drives the start; then "
        "`iters` steps of assign-and-average. The helpers `_kmeans_pp` and `_lloyd` above split the work.",
        "Check 1 ≤ k ≤ n first. The code book is (k, d) and must keep exactly k rows.",
        "The distortion to return is scipy's: the mean of the (unsquared) Euclidean distances from the "
        "points to their nearest code, which `vq` gives you.",
    ),
    "quantize_image": (
        "Colour quantisation is k-means on the pixels, seen as points of R³, followed by replacing every "
        "pixel with its nearest palette colour.",
        "Reshape (H, W, 3) to (H·W, 3) floats; the palette is (k, 3); `vq` maps each pixel to a palette "
        "index, and indexing the palette with those codes gives (H·W, 3) again. A photograph repeats "
        "colours: k-means on the distinct colours (`np.unique(..., axis=0, return_counts=True)`), "
        "weighted by their counts, has the same optimum and is much faster.",
        "Round the palette (`np.rint`), clip it to 0..255 and only then cast to `uint8`: a cast alone "
        "truncates. An image with at most k colours comes back unchanged.",
    ),
    "VectorQuantizer": (
        "The forward pass is `vq` in torch: each position's vector z[b, :, h, w] goes to its nearest "
        "code. The work is in the gradients: the argmin has none, so the straight-through estimator "
        "copies the decoder's gradient to the encoder.",
        "Move the channels last and flatten: (B, dim, H, W) → (B·H·W, dim). Squared distances to the "
        "(K, dim) codebook weight form a (B·H·W, K) table; the argmin gives (B·H·W,) indices, reshaped to "
        "(B, H, W); the chosen codes, reshaped and permuted back, are (B, dim, H, W).",
        "z_q = z + sg[codes − z] has the codes' value and the identity as its Jacobian (sg is "
        "`.detach()`); the loss is mse(codes, sg[z]) + β·mse(z, sg[codes]), computed from the codes "
        "before the straight-through step.",
    ),
    # ---- chapter 6
    "content_loss": (
        "Compare the two feature maps position by position: every element's difference counts, "
        "squared, and they all add up into one number that autograd can differentiate.",
        "Two tensors of the same shape, any shape; refuse different shapes rather than broadcast "
        "them. The result is a 0-dimensional tensor (call `.sum()`, not `.item()`: a float "
        "would cut the graph).",
        "½ Σ (F − P)² over every element: a sum, not a mean (a mean is smaller by the number of "
        "elements and changes what α means).",
    ),
    "style_layer_loss": (
        "The style of one layer is its Gram matrix: compute the generated image's, compare it "
        "entry by entry with the target A, and normalise by the size of the layer.",
        "Accept (C, H, W) and (1, C, H, W); N is the number of channels, M = H·W the number of "
        "positions; your Gram matrix without normalisation is (N, N), and so must the target be.",
        "E = Σ (G − A)² / (4 N² M²) with G unnormalised: the 1/(4N²M²) is the whole normalisation.",
    ),
    "style_loss": (
        "One term per layer: the layer's loss, weighted, and the terms added up.",
        "Three lists of the same length (features, target Gram matrices, weights): check the "
        "lengths before pairing them, because pairing stops at the shortest.",
        "L_style = Σ_l w_l · E_l, with E_l your `style_layer_loss` of layer l.",
    ),
    "total_variation": (
        "Neighbouring pixels should agree: take the difference of each pixel with the one below "
        "it and with the one to its right, square, and add everything.",
        "For (B, C, H, W), shifting by one row gives (B, C, H − 1, W) differences, by one column "
        "(B, C, H, W − 1): two slices of the image against each other, no wrap-around, no loop.",
        "TV = Σ (x[i+1, j] − x[i, j])² + Σ (x[i, j+1] − x[i, j])² over every image, channel and pair.",
    ),
    "gatys_loop": (
        "Three phases: the constants (the content's features and the style's Gram matrices, "
        "computed once without gradients), the one parameter (a copy of the starting image that "
        "requires a gradient), and an optimiser that asks a closure for the loss again and again.",
        "The optimiser receives a list holding only the image; the closure zeroes the gradient, "
        "clamps the image in place without gradients, computes the weighted sum of your losses, "
        "records it, calls backward on it, and returns it. Keep "
        "calling `step` until the number of recorded evaluations reaches `steps`.",
        "total = α Σ content_loss(F_l, P_l) + β style_loss([F_l], [A_l], [1/L, ...]) + λ TV(x); "
        'L-BFGS with line_search_fn="strong_wolfe", tolerance_grad=0 and tolerance_change=0; '
        "finally clamp, record the loss of the image you return, and return it detached, with the history.",
    ),
}

# Private helpers of a solution block that the learner is not asked to write: the student
# edition keeps them in full (and the exercise statement mentions them). name -> why.
GIVEN = {
    "_pair": "argument plumbing (an int or a pair of ints), used by exercises 9-11",
    "_as_points": "argument plumbing (lists and 1-D data as points), used by exercises 16-18",
}

_state = {}
LEVEL_NAMES = ("the idea", "the shapes", "the formula")


def levels(name):
    try:
        return HINTS[name]
    except KeyError:
        raise KeyError(f"no hints for {name!r}; there are hints for: {', '.join(HINTS)}") from None


def hint(name, level=None, reset=False):
    """Print the next hint for exercise `name` (each call gives the next level; counted in nothing).

    >>> hint("gram")             # level 1, then 2, then 3 on the next calls
    """
    hs = levels(name)
    if reset:
        _state.pop(name, None)
        return
    if level is None:
        level = min(_state.get(name, 0) + 1, len(hs))
    if not 1 <= level <= len(hs):
        raise ValueError(f"hint({name!r}): level must be between 1 and {len(hs)}")
    _state[name] = level
    tail = "" if level < len(hs) else " (the last one)"
    print(f"Hint {level} of {len(hs)} for {name}{tail}: {hs[level - 1]}")


def stub_message(name):
    """What a stub raises in the student edition."""
    if name in HINTS:
        return f"write {name}: run hint({name!r}) for a hint, one level at a time"
    return None


# ----------------------------------------------------------------------------- the book's cells
TAG = "hints"


def markdown(names):
    """The text of a book cell with the hints of `names`, one closed dropdown per level."""
    calls = " / ".join(f'`hint("{n}")`' for n in names)
    out = [f"**Hints**, to open one at a time (in the notebook, {calls} prints the next one):"]
    for n in names:
        hs = levels(n)
        for i, text in enumerate(hs):
            label = LEVEL_NAMES[i] if i < len(LEVEL_NAMES) else f"level {i + 1}"
            prefix = f"`{n}`: " if len(names) > 1 else ""
            out += ["", f"```{{dropdown}} {prefix}hint {i + 1} of {len(hs)}, {label}", text, "```"]
    return "\n".join(out) + "\n"


def student_text(names):
    """What the student edition shows instead of the dropdowns."""
    calls = ", ".join(f'`hint("{n}")`' for n in names)
    return (
        f"**Stuck?** Run {calls} in a code cell: each call prints the next hint (the idea, "
        "then the shapes, then the formula). Hints are not counted in your grade.\n"
    )


NAME_RE = re.compile(r'hint\("([^"]+)"\)')


def cell_names(text):
    """The exercise names of a hints cell, in order."""
    seen = []
    for n in NAME_RE.findall(text):
        if n not in seen:
            seen.append(n)
    return seen


def is_hints_cell(cell):
    return cell.get("cell_type") == "markdown" and TAG in cell.get("metadata", {}).get("tags", [])


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def sync_notebook(path, check=False):
    """Rewrite the hints cells of a notebook from HINTS; returns the names of the cells that differed."""
    path = pathlib.Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    drift = []
    for cell in nb["cells"]:
        if is_hints_cell(cell):
            names = cell_names(_source(cell))
            want = markdown(names)
            if _source(cell) != want:
                drift.append(", ".join(names))
                cell["source"] = want.splitlines(keepends=True)
    if drift and not check:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return drift


if __name__ == "__main__":  # python -m autograder.hints BOOKDIR_OR_NOTEBOOK... [--check]
    args = [a for a in sys.argv[1:] if a != "--check"]
    paths = [
        q
        for a in args
        for q in (sorted(pathlib.Path(a).glob("*.ipynb")) if pathlib.Path(a).is_dir() else [pathlib.Path(a)])
    ]
    bad = {str(p): d for p in paths if (d := sync_notebook(p, check="--check" in sys.argv))}
    for p, d in bad.items():
        print(f"{p}: hints of {'; '.join(d)} {'differ' if '--check' in sys.argv else 'rewritten'}")
    sys.exit(1 if bad and "--check" in sys.argv else 0)
