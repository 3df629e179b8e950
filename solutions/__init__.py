"""Reference solutions of the course "From inner products to style transfer".

Every name of the exercise catalogue (see `CONTRIBUTING.md`) is importable from here:

    from solutions import gram_matrix, conv2d_im2col, vq
"""
