"""The course's images, shipped inside the package as ``cnnviz.assets``; imports nothing.

The folder sits at the top of the repository (see README.md beside this file for each image's source
and licence); pyproject.toml maps it into the package, and ``cnnviz.samples`` reads it with
``importlib.resources``, so the images are there in a checkout, an editable install and a wheel.
"""
