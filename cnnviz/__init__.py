"""cnnviz: the small, tested helpers behind the CNN teaching notebooks.

Import the part you need: ``from cnnviz import ops, xo`` (pure NumPy),
``handplots`` and ``plots`` (matplotlib), ``widgets`` (ipywidgets), ``data`` and ``models`` (Keras).
"""

from cnnviz import config as _config

_config.quiet_tensorflow()

__version__ = "0.1.0"
