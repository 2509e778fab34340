"""The re-rooming (issue 16) kept every public import: the old modules re-export the new code."""
import importlib

import pytest

import rim_tf

OLD_EVALUATION_NAMES = [
    "EvalResult", "CurveResult", "Report", "observation_seed", "noisy_observation", "group_by_shape",
    "spread_indices", "compiled_denoiser", "estimate_psnr", "evaluate_denoising", "evaluate_denoiser",
    "bm3d_denoiser", "sr_y_psnr", "evaluate_superres", "random_test_patches", "evaluate_patches",
    "inpaint_image", "combine_run_info", "table1", "table2", "table3", "figure3", "figure4",
    "add_common_arguments", "load_model_arg", "finish", "cli",
]

# old module -> (names it offered, where the code lives now)
MOVED = {
    "rim_tf.operators": (["LinearOperator", "adjointness_test", "Identity", "BicubicDownsample", "Inpainting",
                          "random_pixel_mask", "MatrixProjection", "FourierProjection", "ENSEMBLES",
                          "sample_matrix", "sample_fourier_rows", "add_gaussian_noise", "gaussian_noise",
                          "quantize_8bit", "quantization_noise_std", "split_seed"], "rim_tf.physics"),
    "rim_tf.operators.base": (["LinearOperator", "Identity"], "rim_tf.physics.base"),
    "rim_tf.operators.bicubic": (["BicubicDownsample"], "rim_tf.physics.bicubic"),
    "rim_tf.operators.checks": (["adjointness_test", "inner_product"], "rim_tf.physics.checks"),
    "rim_tf.operators.inpainting": (["Inpainting", "check_fraction", "random_pixel_mask"],
                                    "rim_tf.physics.inpainting"),
    "rim_tf.operators.noise": (["QUANTIZATION_LEVELS", "add_gaussian_noise", "gaussian_noise",
                                "quantization_noise_std", "quantize_8bit", "split_seed"], "rim_tf.physics.noise"),
    "rim_tf.operators.projections": (["ENSEMBLES", "FourierProjection", "MatrixProjection", "check_ensemble",
                                      "check_image_shape", "check_num_measurements", "sample_fourier_rows",
                                      "sample_matrix"], "rim_tf.physics.projections"),
    "rim_tf.likelihoods": (["GaussianLikelihood", "check_sigma"], "rim_tf.physics.likelihood"),
    "rim_tf.degradations": (["Degradation", "Denoise", "RandomProjection", "Inpaint", "Downsample",
                             "from_description"], "rim_tf.physics.tasks"),
    "rim_tf.imresize": (["imresize", "imresize_transpose", "pass_plan", "resize_geometry", "resize_weights",
                         "border_index", "cubic", "BandPass", "ConvPass", "DensePass", "IdentityPass"],
                        "rim_tf.physics.imresize"),
    "rim_tf.imresize_reference": (["imresize_reference", "cubic_kernel", "output_taps", "border_index"],
                                  "rim_tf.physics.imresize_reference"),
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_modules_re_export_the_moved_code(old):
    names, new = MOVED[old]
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    assert "now lives in" in old_module.__doc__
    for name in names:
        assert getattr(old_module, name) is getattr(new_module, name), f"{old}.{name}"


def test_evaluation_package_keeps_its_names():
    import rim_tf.evaluation as evaluation

    assert sorted(evaluation.__all__) == sorted(OLD_EVALUATION_NAMES)
    for name in OLD_EVALUATION_NAMES:
        assert getattr(evaluation, name) is not None
    from rim_tf.cli import evaluation as plumbing

    assert evaluation.load_model_arg is plumbing.load_model_arg and evaluation.cli is plumbing.cli


def test_package_exports():
    for name in rim_tf.__all__:
        assert getattr(rim_tf, name) is not None
    from rim_tf.physics.likelihood import GaussianLikelihood

    assert rim_tf.GaussianLikelihood is GaussianLikelihood
