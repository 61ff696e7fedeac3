"""The widgets that take a Keras model (notebook 07): ``widgets.GradCamExplorer`` wired to a model.

``cnnviz.widgets`` never loads Keras (notebooks 00-04 use it without TensorFlow); this module
builds, from a model, the functions and layer lists its Grad-CAM explorer calls
(``attribution``, ``introspection``, ``prediction``). Keras module.
"""

from cnnviz import attribution, introspection, prediction, widgets


def gradcam_explorer(images, class_names, model):
    """Return a ``widgets.GradCamExplorer`` over ``images`` that explains ``model``'s answers.

    Args:
        images: the photos to choose from (N, H, W, 3), the model's input size.
        class_names: one name per class of the model, in label order.
        model: a Keras classifier ending in a Dense (or Activation/Softmax) layer.

    Returns:
        The explorer (display it as a notebook cell's last line).

    Raises:
        ValueError: as ``explorer_hooks``, or if the class names do not match the model's outputs.
    """
    return widgets.GradCamExplorer(images, class_names, **explorer_hooks(model))


def explorer_hooks(model):
    """Return the functions and layer lists ``widgets.GradCamExplorer`` needs for ``model`` (as keyword arguments).

    Args:
        model: a Keras classifier ending in a Dense (or Activation/Softmax) layer.

    Returns:
        A dict: ``layers`` (the layers one can explain), ``layer`` (the default, ``gradcam_layer``),
        ``fields`` (``introspection.model_receptive_fields``), and the functions ``grad_cam(image, layer,
        class_index)`` -> (map, class), ``predict(image)`` -> probabilities (K,) and
        ``occlusion(image, class_index)`` -> ``attribution.Occlusion`` (patch a quarter of the image side).

    Raises:
        ValueError: if the model has no convolution, or a layer it cannot follow.
    """
    fields = introspection.model_receptive_fields(model)
    size = int(model.inputs[0].shape[1])

    def cam(image, layer, class_index):
        result = attribution.grad_cam(model, image, class_index=class_index, layer_name=layer)
        return result.maps[0], int(result.classes[0])

    def occlude(image, class_index):
        return attribution.occlusion(
            model, image, patch=max(1, size // 4), stride=max(1, size // 8), class_index=class_index
        )

    return {
        "layers": [n for n in introspection.spatial_layers(model) if not fields[n]["whole"]],
        "layer": attribution.gradcam_layer(model),
        "fields": fields,
        "grad_cam": cam,
        "predict": lambda image: prediction.probabilities(model, image)[0],
        "occlusion": occlude,
    }
