"""Shipped weights (data only): see README.md here and rim_tf.shipped."""
