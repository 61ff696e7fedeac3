"""Figures of photos and of what Keras models compute (notebooks 05-07): photo grids, learning curves, confusion
matrices, mistakes, feature maps, Grad-CAM, occlusion, filters. Imports neither Keras nor the analysis modules
(attribution, introspection, models, training): they hand it arrays. The hand-computed figures of 01-04
are in ``handplots``.

Every helper takes ``ax=None``, draws on it (or on a new axes), and returns it; text sizes come from
``cnnviz.style``. No ``plt.show()`` and no global rcParams changes here.
"""

import matplotlib.pyplot as plt
import numpy as np

from cnnviz import fields as fields_mod
from cnnviz import heatmaps, style


@style.sized
def show_image(image, ax=None, title=None, cmap=None, symmetric=False):
    """Show a photo or a feature map without axes.

    Args:
        image: a photo (H, W, 3) as uint8 0-255 pixels or floats 0..1 (divide float 0-255
            pixels by 255 first), or a feature map (H, W) of any range.
        ax: the axes to draw on (a new one when None).
        title: the title, or None.
        cmap: the colour map of a feature map (default: grey, or red-blue when ``symmetric``).
        symmetric: for a feature map, centre the colours on 0 and saturate the strongest 1% of
            values, so that faint edges stay visible next to a few very strong ones.

    Returns:
        The axes.
    """
    image = np.asarray(image)
    ax = style.axes(ax, figsize=(4, 3))
    kwargs = {}
    if image.ndim == 2:
        kwargs["cmap"] = cmap or ("RdBu_r" if symmetric else "gray")
        if symmetric:
            lim = float(np.percentile(np.abs(image), 99)) or 1.0
            kwargs.update(vmin=-lim, vmax=lim)
    ax.imshow(image, **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=style.points("title", ax.figure))
    return ax


# ----------------------------------------------- what the network learned (notebook 07)


def _photo(image):
    """Return a photo as floats in 0..1 for imshow (0-255 pixels are divided by 255; one channel is dropped)."""
    image = np.asarray(image, dtype=float)
    image = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
    return np.clip(image / 255 if image.max() > 1 else image, 0, 1)


@style.sized
def gradcam_overlay(image, cam, ax=None, alpha=0.45, cmap="jet", title=None, colorbar=False):
    """Draw a photo with a Grad-CAM map of any size stretched over it, scaled 0..1 by its largest value.

    A map with no positive value is not drawn; the photo says "no evidence" instead.

    Args:
        image: a photo (H, W, 3) or (H, W, 1), 0-255 pixels or 0..1.
        cam: a 2-D Grad-CAM map (h, w), e.g. ``attribution.grad_cam(...).maps[0]``; it is resized to (H, W).
        ax: the axes to draw on (a new one when None).
        alpha: the map's opacity, 0..1.
        cmap: the map's colour map (0 at its low end, the map's largest value at its high end).
        title: the title, or None.
        colorbar: True adds a colour bar: the map as a share of its largest value, 0 to 1.

    Returns:
        The axes.

    Raises:
        ValueError: if ``cam`` is not 2-D.
    """
    image = _photo(image)
    ax = show_image(image, ax=ax, title=title)
    if np.max(cam) <= 0:  # ReLU left nothing: no part of the image raises this class's score
        ax.text(
            0.5,
            0.5,
            "no evidence\n(map all 0)",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=style.points("caption", ax.figure),
            color="white",
            bbox={"facecolor": "black", "alpha": 0.6},
        )
        return ax
    heat = ax.imshow(
        heatmaps.normalise(heatmaps.resize_map(cam, image.shape[:2])), cmap=cmap, alpha=alpha, vmin=0, vmax=1
    )
    if colorbar:
        ax.figure.colorbar(heat, ax=ax, fraction=0.046, pad=0.02, label="share of the largest value")
    return ax


@style.sized
def occlusion_overlay(image, result, ax=None, alpha=0.6, title=None, colorbar=True):
    """Draw a photo with an occlusion result over it.

    Red where hiding a patch lowers the probability, blue where it raises it.

    The colours are symmetric around 0, to the largest |drop|; the patch's size is outlined
    (dashed, top left).

    Args:
        image: the photo ``occlusion`` was run on, (H, W, 3), 0-255 pixels or 0..1.
        result: the ``attribution.Occlusion`` of that photo (its ``pixels`` are (H, W)).
        ax: the axes to draw on (a new one when None).
        alpha: the overlay's opacity, 0..1.
        title: the title, or None.
        colorbar: True adds a colour bar of the probability drop.

    Returns:
        The axes.
    """
    image = _photo(image)
    ax = show_image(image, ax=ax, title=title)
    lim = float(np.abs(result.pixels).max()) or 1.0
    heat = ax.imshow(result.pixels, cmap="RdBu_r", vmin=-lim, vmax=lim, alpha=alpha)
    ax.add_patch(
        plt.Rectangle((-0.5, -0.5), result.patch, result.patch, fill=False, edgecolor="white", ls="--", lw=1.5)
    )
    if colorbar:
        ax.figure.colorbar(heat, ax=ax, fraction=0.046, pad=0.02)
    return ax


@style.sized
def filter_mosaic(images, ax=None, ncols=8, title=None):
    """Tile small filter images into one picture, each in a thin grey frame.

    Args:
        images: filters as images in 0..1, (F, kh, kw), (F, kh, kw, 1) or (F, kh, kw, 3),
            e.g. from ``introspection.filters_as_images`` (0.5 is weight 0).
        ax: the axes to draw on (a new one when None).
        ncols: filters per row.
        title: the title, or None.

    Returns:
        The axes.
    """
    images = np.asarray(images, dtype=float)
    images = images[..., 0] if images.ndim == 4 and images.shape[-1] == 1 else images
    if images.ndim == 3:  # grey filters: the same value on R, G and B
        images = np.repeat(images[..., None], 3, axis=-1)
    n, kh, kw = images.shape[:3]
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    mosaic = np.ones((nrows * (kh + 1) + 1, ncols * (kw + 1) + 1, 3))
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        mosaic[1 + r * (kh + 1) : (r + 1) * (kh + 1), 1 + c * (kw + 1) : (c + 1) * (kw + 1)] = image
    ax = show_image(
        mosaic, ax=style.axes(ax, figsize=(0.12 * ncols * (kw + 1) + 1, 0.12 * nrows * (kh + 1) + 1)), title=title
    )
    for i in range(n):  # the frames keep white weights apart from the white gaps
        r, c = divmod(i, ncols)
        ax.add_patch(
            plt.Rectangle((c * (kw + 1) + 0.5, r * (kh + 1) + 0.5), kw, kh, fill=False, edgecolor="0.5", lw=0.6)
        )
    return ax


def _field_text(field):
    """Return 'h x w x depth, RF r x r' for a layer's receptive-field record."""
    if field["whole"]:
        return "sees the whole image"
    return (
        f"{field['out'][0]}x{field['out'][1]}x{field['channels']}, RF {field['rf'][0]}x{field['rf'][1]}, "
        f"jump {field['jump'][0]}"
    )


@style.sized
def activations_through_depth(fmaps, fields, channels=4, axes=None, image=None):
    """Draw, one row per layer, the ``channels`` strongest maps of one image.

    Titles give size, depth and receptive field.

    "Strongest" is the highest mean over the map. Each map has its own colour scale, from its
    smallest value (dark) to its largest (yellow), both written in its title. With ``image``, a
    first column shows the input in every row, with a yellow box around the pixels that the
    brightest unit of the row's first map sees (its receptive field, clipped to the image).

    Args:
        fmaps: {layer name: maps (h, w, channels)} of one image, e.g. ``introspection.feature_maps``.
        fields: {layer name: field} from ``introspection.model_receptive_fields`` (with ``channels``).
        channels: maps per row.
        axes: a 2-D grid of axes (layers, channels, plus one column with ``image``) to draw on
            (new ones when None).
        image: the input the maps come from, (H, W, 3) or (H, W, 1), 0-255 pixels or 0..1, or None.

    Returns:
        The 2-D array of axes.

    Raises:
        KeyError: if a layer of ``fmaps`` is not in ``fields``.
    """
    names = list(fmaps)
    extra = int(image is not None)
    if axes is None:
        _, axes = plt.subplots(
            len(names), channels + extra, figsize=(2.1 * (channels + extra), 2.3 * len(names)), squeeze=False
        )
    for row, name in zip(axes, names):
        fmap = np.asarray(fmaps[name])
        strongest = np.argsort(-fmap.mean(axis=(0, 1)), kind="stable")[:channels]
        if extra:
            photo = _photo(image)
            r, c = np.unravel_index(np.argmax(fmap[..., strongest[0]]), fmap.shape[:2])
            top, left, bottom, right = fields_mod.receptive_box(fields[name], r, c, photo.shape[:2])
            whole = (top, left, bottom, right) == (0, 0) + photo.shape[:2]
            show_image(
                photo,
                ax=row[0],
                title=f"input: the brightest unit\nof ch. {strongest[0]} sees "
                + ("all of it" if whole else "the yellow box"),
            )
            row[0].add_patch(
                plt.Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False, edgecolor="yellow", lw=2)
            )
        for ax, k in zip(row[extra:], strongest):
            values = fmap[..., k]
            show_image(values, ax=ax, cmap="viridis", title=f"ch. {k}: {values.min():.2g} to {values.max():.2g}")
        row[extra].set_title(
            f"{name}: {_field_text(fields[name])}\n{row[extra].get_title()}",
            fontsize=style.points("caption", row[extra].figure),
            ha="left",
            x=0,
        )
    return axes


@style.sized
def top_gallery(images, top, axes=None, titles=None):
    """Draw the images that excite one filter most, each with the receptive field of its strongest unit outlined.

    Each title gives the image's index and score (its mean activation of the filter).

    Args:
        images: the batch (N, H, W, 3) given to ``introspection.top_activating``, 0-255 pixels or 0..1.
        top: its result, an ``introspection.TopImages``.
        axes: one axes per image shown (new ones, in a row, when None).
        titles: one extra title line per image shown (in the order of ``top.indices``), or None.

    Returns:
        The flat array of axes.
    """
    labels = [
        f"#{i}: {score:.2f}" + (f"\n{titles[n]}" if titles else "")
        for n, (i, score) in enumerate(zip(top.indices, top.scores))
    ]
    axes = photo_grid([images[i] for i in top.indices], labels, ncols=len(top.indices), axes=axes, size=1.9)
    for ax, (row0, col0, row1, col1) in zip(axes, top.boxes):
        ax.add_patch(
            plt.Rectangle((col0 - 0.5, row0 - 0.5), col1 - col0, row1 - row0, fill=False, edgecolor="yellow", lw=1.5)
        )
    return axes


@style.sized
def gradcam_rows(images, results, class_names, axes=None, row_labels=None):
    """Draw Grad-CAM over several photos.

    One row per ``attribution.grad_cam`` result, titled with class and probability.

    Args:
        images: the photos (N, H, W, C), 0-255 pixels or 0..1.
        results: a list of ``attribution.GradCAM`` results for these photos (N maps each).
        class_names: one name per class, in label order.
        axes: a 2-D grid of axes (results, N) to draw on (new ones when None).
        row_labels: one label per result, written left of its row, or None.

    Returns:
        The 2-D array of axes.
    """
    if axes is None:
        _, axes = plt.subplots(
            len(results), len(images), figsize=(2.2 * len(images), 2.4 * len(results)), squeeze=False
        )
    for r, result in enumerate(results):
        for ax, image, cam, c, p in zip(axes[r], images, result.maps, result.classes, result.proba):
            gradcam_overlay(image, cam, ax=ax, title=f"{class_names[c]}: {p:.0%}")
        if row_labels:
            axes[r][0].set_ylabel(row_labels[r])
    return axes


# ------------------------------------- photos, training and evaluation (notebooks 05-06)


@style.sized
def photo_grid(images, titles=None, correct=None, ncols=8, axes=None, size=1.6):
    """Draw photos in a grid with optional titles, blue when ``correct`` is True, red when False.

    Args:
        images: photos (N, H, W, 3), uint8 or float, 0-255 pixels or 0..1.
        titles: one title per photo, or None.
        correct: one True/False per photo to colour its title, or None (black titles).
        ncols: photos per row (when ``axes`` is None).
        axes: axes to draw on, at least N (new ones when None); spare ones are left blank.
        size: the side of one photo in the new figure, in inches.

    Returns:
        The flat array of axes.
    """
    n = len(images)
    if axes is None:
        ncols = max(1, min(ncols, n))
        _, axes = plt.subplots(
            -(-n // ncols), ncols, figsize=(size * ncols, (size + 0.35) * -(-n // ncols)), squeeze=False
        )
    axes = np.asarray(axes).reshape(-1)
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        color = "black" if correct is None else ("tab:blue" if correct[i] else "tab:red")
        ax.imshow(_photo(images[i]))
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=style.points("caption", ax.figure), color=color)
    return axes


@style.sized
def learning_curves(histories, metrics=("loss", "accuracy"), axes=None):
    """Plot training (dashed) and validation (solid) curves per epoch: one panel per metric, loss beside accuracy.

    Args:
        histories: {name: Keras History (or its ``.history`` dict)}; several runs share the panels.
        metrics: the logged quantities to draw, one panel each.
        axes: one axes per metric (new ones when None).

    Returns:
        The list of axes.

    Raises:
        ValueError: for an empty ``histories``, or a metric no history logged.
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError("histories must be a non-empty dict {name: History or history dict}")
    if axes is None:
        _, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 3.6), squeeze=False)
        axes = axes[0]
    axes = list(np.atleast_1d(axes))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4
    for ax, metric in zip(axes, metrics):
        drawn = False
        for (name, history), color in zip(histories.items(), colors):
            logs = getattr(history, "history", history)
            first = getattr(history, "epoch", [0])[:1] or [0]  # a resumed fit starts at a later epoch
            for key, dash, label in ((metric, "--", "training"), (f"val_{metric}", "-", "validation")):
                if key in logs:
                    epochs = first[0] + 1 + np.arange(len(logs[key]))
                    ax.plot(epochs, logs[key], dash, marker="o", ms=3, color=color, label=f"{name} ({label})")
                    drawn = True
        if not drawn:
            logged = sorted({key for h in histories.values() for key in getattr(h, "history", h)})
            raise ValueError(f"no history logged {metric!r}; choose from {logged}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} per epoch")
        ax.legend(fontsize=style.points("caption", ax.figure))
        ax.grid(alpha=0.3)
    return axes


@style.sized
def confusion_matrix(cm, class_names, ax=None, title=None):
    """Draw a confusion matrix: rows are true classes, columns predicted ones, each cell with its count.

    Args:
        cm: counts (K, K), e.g. from ``metrics.confusion_matrix``.
        class_names: K names, in label order.
        ax: the axes to draw on (a new one when None).
        title: the title (default: how many of all are right).

    Returns:
        The axes.

    Raises:
        ValueError: if ``cm`` is not (K, K) for the K class names.
    """
    cm = np.asarray(cm)
    if cm.shape != (len(class_names), len(class_names)):
        raise ValueError(f"confusion matrix {cm.shape} does not match {len(class_names)} class names")
    ax = style.axes(ax, figsize=(0.6 * len(cm) + 2, 0.6 * len(cm) + 1.5))
    img = ax.imshow(cm, cmap="Blues")
    mid = (cm.max() + cm.min()) / 2
    for (r, c), v in np.ndenumerate(cm):
        ax.text(
            c,
            r,
            str(v),
            ha="center",
            va="center",
            fontsize=style.points("value", ax.figure),
            color="white" if v > mid else "black",
        )
    ax.set_xticks(
        range(len(cm)), class_names, rotation=45 if len(cm) > 3 else 0, ha="right" if len(cm) > 3 else "center"
    )
    ax.set_yticks(range(len(cm)), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or f"{int(np.trace(cm))} of {int(cm.sum())} right")
    ax.figure.colorbar(img, ax=ax, fraction=0.046, pad=0.04)
    return ax


@style.sized
def mistakes(images, y_true, proba, indices, class_names, ncols=8, axes=None):
    """Draw the photos at ``indices`` titled 'said X p% / is Y' (red): a gallery of confident mistakes.

    Args:
        images: photos (N, H, W, 3), 0-255 pixels or 0..1.
        y_true: the true class of each photo (N,).
        proba: class probabilities (N, K), one column per class (see ``prediction.class_probabilities``).
        indices: the photos to show, e.g. from ``metrics.confident_mistakes``; empty draws "no mistakes".
        class_names: K names, in label order.
        ncols: photos per row.
        axes: axes to draw on (new ones when None).

    Returns:
        The flat array of axes (one axes when ``indices`` is empty).
    """
    proba = np.asarray(proba)
    titles = [
        f"said {class_names[proba[i].argmax()]} {proba[i].max():.0%}\nis {class_names[y_true[i]]}" for i in indices
    ]
    if len(indices) == 0:
        ax = style.axes(axes, figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        return ax
    return photo_grid([images[i] for i in indices], titles, correct=[False] * len(indices), ncols=ncols, axes=axes)


@style.sized
def fmap_channels(fmap, ax=None, ncols=8, max_channels=32, highlight=None, title=None):
    """Tile the channels of one layer's fmap into one picture, each scaled to its own range.

    Each channel goes from its smallest value (dark) to its largest (bright); a constant one is dark.

    Args:
        fmap: one image's maps of one layer (h, w, channels).
        ax: the axes to draw on (a new one when None).
        ncols: channels per row.
        max_channels: the first this many channels are shown.
        highlight: a channel index to outline in red, or None.
        title: the title (default: how many channels are shown, and their size).

    Returns:
        The axes.

    Raises:
        ValueError: if ``fmap`` is not 3-D.
    """
    fmap = np.asarray(fmap, dtype=float)
    if fmap.ndim != 3:
        raise ValueError(f"fmap must be (h, w, channels); got shape {fmap.shape}")
    maps = np.moveaxis(fmap[..., :max_channels], -1, 0)
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    maps = np.divide(maps - lo, span, out=np.zeros_like(maps), where=span > 0)
    n, h, w = maps.shape
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    mosaic = np.full((nrows * (h + 1) + 1, ncols * (w + 1) + 1), np.nan)
    for k, m in enumerate(maps):
        r, c = divmod(k, ncols)
        mosaic[1 + r * (h + 1) : (r + 1) * (h + 1), 1 + c * (w + 1) : (c + 1) * (w + 1)] = m
    ax = style.axes(ax, figsize=(1.0 * ncols + 1, 1.0 * nrows + 0.5))
    ax.imshow(mosaic, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    if highlight is not None and highlight < n:
        r, c = divmod(highlight, ncols)
        ax.add_patch(plt.Rectangle((c * (w + 1) + 0.5, r * (h + 1) + 0.5), w, h, fill=False, edgecolor="red", lw=2))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(
        title or f"{min(n, fmap.shape[-1])} of {fmap.shape[-1]} channels, {h}x{w} each",
        fontsize=style.points("title", ax.figure),
    )
    return ax
