"""Training: augmentation, generated non-digits, the CNN, and its LiteRT export.

Only `model` and `train` import TensorFlow; `augment` and `nondigits` need numpy and cv2.
"""
