"""Wire cnnviz computations and plots to ipywidgets controls.

Widgets are thin: each one computes with ``cnnviz.ops``/``cnnviz.xo`` (or a Keras helper),
draws with ``cnnviz.plots``, and exposes its controls as attributes so tests can set
``.value`` and check what it shows, without a browser.
"""
import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
