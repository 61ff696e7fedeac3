"""How large each kind of text is drawn, in one place, and the projector setting that enlarges it.

The figure helpers ask ``points(role, figure)`` for every size they set. With the projector on
(``CNNVIZ_PROJECTOR=1``, or ``cnnviz.style.projector()`` in the setup cell), every text of a
figure, the ones matplotlib sizes itself (ticks, legends, colour bars) too, is at least
``PROJECTOR_PX`` pixels high (its font size, the em) where JupyterLab shows it: JupyterLab shows
an inline PNG at its pixel size, scaled down to the output's width (``OUTPUT_WIDTH_PX``) when
wider, so a wide figure needs larger type. Widgets get ``WIDGET_CSS``. ``axes`` gives the helpers
their new axes when they get ``ax=None``. Imports matplotlib only.
"""

import functools

import matplotlib as mpl
import matplotlib.pyplot as plt

from cnnviz import config

PROJECTOR_PX = 14  # the smallest text's font size, in pixels as shown, with the projector on
OUTPUT_WIDTH_PX = 900  # the width JupyterLab's output area gives an image (a wider one is scaled down)
WIDGET_PX = 16  # the widgets' text with the projector on (ipywidgets' default: 13 px)

# Normal sizes in points, by role. At 100 dpi a point is 1.39 px.
SIZES = {
    "value": 8,  # numbers written in the cells of a grid
    "small": 7,  # the small print: window numbers under a 1-D strip, matrix values of 01
    "label": 9,  # tick labels, row and column numbers, legends, notes on a picture
    "title": 9,  # axes titles
    "caption": 8,  # titles over photos, legends, notes written on a picture
    "widget": 10,  # numbers and labels in the explorers' figures (redrawn live, read from afar)
}

WIDGET_CSS = (
    f"<style>.cnnviz-projector {{--jp-widgets-font-size: {WIDGET_PX}px; "
    f"--jp-widgets-inline-height: {2 * WIDGET_PX + 4}px; --jp-widgets-inline-label-width: 120px; "
    f"font-size: {WIDGET_PX}px}} .cnnviz-projector .widget-label, .cnnviz-projector .widget-readout, "
    f".cnnviz-projector .widget-html-content, .cnnviz-projector input, .cnnviz-projector select, "
    f".cnnviz-projector button {{font-size: {WIDGET_PX}px}}</style>"
)

_switch = None  # set by projector(); None: CNNVIZ_PROJECTOR decides


def projector(on=True):
    """Turn the projector setting on (or off) for the figures and widgets made from now on.

    Also sets matplotlib's default font size so the notebook's own figures follow.

    Args:
        on: True for projector-sized text, False for the normal sizes.

    Returns:
        ``on``.
    """
    global _switch
    _switch = bool(on)
    _set_defaults()
    return _switch


def projector_on():
    """Return whether text is drawn projector-sized (``projector()``'s choice, else CNNVIZ_PROJECTOR)."""
    return config.projector() if _switch is None else _switch


def displayed_scale(figure):
    """Return how much JupyterLab shrinks ``figure``'s PNG: min(1, output width / figure width in pixels)."""
    return min(1.0, OUTPUT_WIDTH_PX / (figure.get_figwidth() * figure.dpi))


def smallest_points(figure):
    """Return the font size, in points, that is ``PROJECTOR_PX`` pixels high where ``figure`` is shown."""
    return PROJECTOR_PX * 72 / (figure.dpi * displayed_scale(figure))


def points(role, figure=None):
    """Return the font size in points for a text of ``role`` ("value", "small", "caption", "label", "title", "widget").

    Args:
        role: a key of ``SIZES``.
        figure: the figure the text goes on (its width and dpi set the projector's minimum);
            None: a figure 900 px wide at 100 dpi.

    Returns:
        The normal size, or with the projector on, at least the projector's minimum.

    Raises:
        KeyError: for an unknown role (the message lists them).
    """
    if role not in SIZES:
        raise KeyError(f"no text role {role!r}; the roles are {sorted(SIZES)}")
    if not projector_on():
        return SIZES[role]
    smallest = smallest_points(figure) if figure is not None else PROJECTOR_PX * 72 / 100
    return max(SIZES[role], round(smallest + 0.05, 1))


def fit(figure):
    """With the projector on, raise every text of ``figure`` smaller than its minimum to it; else do nothing.

    Finds matplotlib's texts and cnnviz's glyph labels (``grid.Labels``): whatever has a font size.

    Returns:
        The figure.
    """
    if projector_on():
        smallest = round(smallest_points(figure) + 0.05, 1)
        for ax in figure.axes:  # tick labels are made while drawing: set the size future ones get
            for axis in (ax.xaxis, ax.yaxis):
                ticks = axis.get_major_ticks()
                if ticks and ticks[0].label1.get_fontsize() < smallest:
                    axis.set_tick_params(which="both", labelsize=smallest)
        for artist in figure.findobj(lambda a: hasattr(a, "set_fontsize") and hasattr(a, "get_fontsize")):
            if artist.get_fontsize() < smallest:
                artist.set_fontsize(smallest)
    return figure


def axes(ax=None, figsize=None):
    """Return ``ax``, or a new axes of ``figsize`` inches when it is None (the figure helpers' ``ax=None``)."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _figures(drawn):
    """Yield the figures of what a helper returned: an axes, an array or list of axes, or a dict of them."""
    if hasattr(drawn, "figure") and hasattr(drawn, "get_figure"):
        figure = drawn.figure
        yield getattr(figure, "figure", figure) or figure  # a subfigure's root figure
    elif isinstance(drawn, dict):
        for value in drawn.values():
            yield from _figures(value)
    elif isinstance(drawn, (list, tuple)) or hasattr(drawn, "flat"):
        for item in getattr(drawn, "flat", drawn):
            yield from _figures(item)


def sized(draw):
    """Decorate a figure helper: with the projector on, ``fit`` the figure(s) it drew on."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        drawn = draw(*args, **kwargs)
        if projector_on():
            for figure in {id(f): f for f in _figures(drawn)}.values():
                fit(figure)
        return drawn

    return wrapper


_before_projector = []  # the font size the projector replaced, given back when it is switched off


def _set_defaults():
    """Set matplotlib's default font size to the projector's minimum for a figure at most 900 px wide.

    Switching the projector off gives back the size that was set before it was switched on.
    """
    if projector_on():
        if not _before_projector:
            _before_projector.append(mpl.rcParams["font.size"])
        mpl.rcParams["font.size"] = round(PROJECTOR_PX * 72 / 100 + 0.05, 1) + 1
    elif _before_projector:
        mpl.rcParams["font.size"] = _before_projector.pop()


if config.projector():
    _set_defaults()
