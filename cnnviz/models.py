"""Build the Keras models of the course: the seeds' networks, rebuilt in Keras 3, and better ones.

Import this module only where Keras is needed; it pulls in TensorFlow.
"""
import keras
from keras import layers

# ----------------------------------------------------------- cats vs dogs (notebook 05)

# ----------------------------------------------------------- CIFAR-10 (notebook 06)
