"""Random projections; the code now lives in :mod:`rim_tf.physics.projections`."""
from rim_tf.physics.projections import (ENSEMBLES, FourierProjection, MatrixProjection, check_ensemble,
                                        check_image_shape, check_num_measurements, sample_fourier_rows,
                                        sample_matrix)

__all__ = ["ENSEMBLES", "FourierProjection", "MatrixProjection", "check_ensemble", "check_image_shape",
           "check_num_measurements", "sample_fourier_rows", "sample_matrix"]
