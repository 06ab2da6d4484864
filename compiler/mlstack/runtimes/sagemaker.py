"""SageMaker real-time or serverless endpoint (targets/terraform/aws_serving.py)."""

from __future__ import annotations

from dataclasses import dataclass

from mlstack.runtimes.base import FRAMEWORKS, Runtime, Scaling


@dataclass(frozen=True)
class Image:
    """A prebuilt inference image as the SageMaker Python SDK names it (aws/sagemaker-python-sdk
    a24812666d25, image_uri_config/FRAMEWORK.json, "inference" scope); which ECR account serves
    `accounts` in a region is in clouds/aws_images.py."""

    accounts: str
    """first-party (xgboost, scikit-learn), dlc (Deep Learning Containers) or huggingface."""
    repository: str
    version: str
    processors: tuple[str, ...]
    python: str = ""
    container: tuple[tuple[str, str], ...] = ()
    """Per-processor container suffix (Hugging Face: CUDA and Ubuntu versions)."""


IMAGES: dict[str, Image] = {
    # xgboost.json "1.7-1": no processor or Python in the tag.
    "xgboost": Image("first-party", "sagemaker-xgboost", "1.7-1", ()),
    # sklearn.json "1.2-1": processors [cpu], py_versions [py3].
    "sklearn": Image("first-party", "sagemaker-scikit-learn", "1.2-1", ("cpu",), "py3"),
    # pytorch.json "2.6.0": py_versions [py312].
    "pytorch": Image("dlc", "pytorch-inference", "2.6.0", ("cpu", "gpu"), "py312"),
    # tensorflow.json "2.19.0": TensorFlow Serving images carry no Python version.
    "tensorflow": Image("dlc", "tensorflow-inference", "2.19.0", ("cpu", "gpu")),
    # huggingface.json "4.51.3" / "pytorch2.6.0": py312, container_version per processor.
    "huggingface": Image(
        "huggingface",
        "huggingface-pytorch-inference",
        "2.6.0-transformers4.51.3",
        ("cpu", "gpu"),
        "py312",
        (("cpu", "ubuntu22.04"), ("gpu", "cu124-ubuntu22.04")),
    ),
}


@dataclass(frozen=True)
class SageMaker(Runtime):
    """Serverless endpoints scale to zero; instance-backed ones keep one instance."""

    def scales_to_zero(self, knative: bool, serverless: bool) -> bool:
        return serverless


RUNTIME = SageMaker(
    "sagemaker",
    "managed",
    FRAMEWORKS,
    identity="sagemaker",
    cloud="aws",
    prebuilt=tuple(IMAGES),
    canary=True,
    # Without `autoscaling`, scale on CPU like the in-cluster runtimes' HPAs (docs/choices.md).
    scaling=Scaling(("rps", "concurrency", "cpu"), default=("cpu", 80.0)),
)
