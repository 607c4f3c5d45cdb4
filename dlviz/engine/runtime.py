"""TensorFlow set-up shared by the engine modules: quiet, reproducible, imported once.

Import `tf` and `keras` from here so the environment variables below are set before TensorFlow loads."""

from __future__ import annotations

import os
import threading

# Set before the first TensorFlow import: quiet logs, and oneDNN off for reproducible numerics.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

# TensorFlow's global state and thread pools are shared by every Streamlit session in the process: two trainings
# at once change each other's numbers. Every training in dlviz holds this lock.
TRAINING_LOCK = threading.RLock()

__all__ = ["tf", "keras", "TRAINING_LOCK"]
