"""Draw what cnnviz computes, with matplotlib.

Every helper takes ``ax=None``, draws on it (or on a new axes), and returns it.
No ``plt.show()`` and no global rcParams changes here.
"""
import matplotlib.pyplot as plt
import numpy as np


def _ax(ax=None, figsize=None):
    """Return ``ax``, or a new axes when it is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
