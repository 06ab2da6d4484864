"""SageMaker's prebuilt inference images: which ECR account serves them in which region (the
images and versions per framework are the runtime's facts: mlstack/runtimes/sagemaker.py).

Taken from the SageMaker Python SDK's own lookup tables (aws/sagemaker-python-sdk, commit
a24812666d25, `sagemaker-core/src/sagemaker/core/image_uri_config/{xgboost,sklearn,pytorch,
tensorflow,huggingface}.json`, the "inference" scope), so an endpoint gets the image
`sagemaker.image_uris.retrieve(...)` would give for the pinned version; the tag is built the
way the SDK builds it: VERSION[-PROCESSOR][-PYTHON][-CONTAINER]. xgboost and scikit-learn are
first-party images with their own accounts; PyTorch, TensorFlow and Hugging Face are Deep
Learning Containers (mostly 763104351884). The isolated us-iso* partitions are left out.
"""

from __future__ import annotations

import re

from mlstack.runtimes import sagemaker

FIRST_PARTY: dict[str, str] = {
    "af-south-1": "510948584623",
    "ap-east-1": "651117190479",
    "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "720646828776",
    "ap-south-2": "628508329040",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941",
    "ap-southeast-4": "106583098589",
    "ca-central-1": "341280168497",
    "ca-west-1": "190319476487",
    "cn-north-1": "450853457545",
    "cn-northwest-1": "451049120500",
    "eu-central-1": "492215442770",
    "eu-central-2": "680994064768",
    "eu-north-1": "662702820516",
    "eu-south-1": "978288397137",
    "eu-south-2": "104374241257",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-west-3": "659782779980",
    "il-central-1": "898809789911",
    "me-central-1": "272398656194",
    "me-south-1": "801668240914",
    "sa-east-1": "737474898029",
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-gov-east-1": "237065988967",
    "us-gov-west-1": "414596584902",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
}

DLC: dict[str, str] = {
    "af-south-1": "626614931356",
    "ap-east-1": "871362719292",
    "ap-east-2": "975050140332",
    "ap-northeast-1": "763104351884",
    "ap-northeast-2": "763104351884",
    "ap-northeast-3": "364406365360",
    "ap-south-1": "763104351884",
    "ap-south-2": "772153158452",
    "ap-southeast-1": "763104351884",
    "ap-southeast-2": "763104351884",
    "ap-southeast-3": "907027046896",
    "ap-southeast-4": "457447274322",
    "ap-southeast-5": "550225433462",
    "ap-southeast-6": "633930458069",
    "ap-southeast-7": "590183813437",
    "ca-central-1": "763104351884",
    "ca-west-1": "204538143572",
    "cn-north-1": "727897471807",
    "cn-northwest-1": "727897471807",
    "eu-central-1": "763104351884",
    "eu-central-2": "380420809688",
    "eu-north-1": "763104351884",
    "eu-south-1": "692866216735",
    "eu-south-2": "503227376785",
    "eu-west-1": "763104351884",
    "eu-west-2": "763104351884",
    "eu-west-3": "763104351884",
    "il-central-1": "780543022126",
    "me-central-1": "914824155844",
    "me-south-1": "217643126080",
    "mx-central-1": "637423239942",
    "sa-east-1": "763104351884",
    "us-east-1": "763104351884",
    "us-east-2": "763104351884",
    "us-gov-east-1": "446045086412",
    "us-gov-west-1": "442386744353",
    "us-west-1": "763104351884",
    "us-west-2": "763104351884",
}
HUGGINGFACE = {
    k: v
    for k, v in DLC.items()
    if k not in ("ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "mx-central-1")
}
"""Hugging Face inference images are not published in these newer regions."""


ACCOUNTS: dict[str, dict[str, str]] = {
    "first-party": FIRST_PARTY,
    "dlc": DLC,
    "huggingface": HUGGINGFACE,
}
"""Which accounts serve an image (`sagemaker.Image.accounts`, mlstack/runtimes/sagemaker.py)."""
ECR = re.compile(r"^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)")
"""A private ECR image: (account, region, repository). Lambda runs only these (E0757); roles
pull them with ECR grants (targets/terraform/aws_iam.py)."""
_GPU_FAMILY = re.compile(r"^ml\.(p|g)[0-9]")
"""The SDK's rule: ml.p* and ml.g* instances are GPU instances."""


def processor(instance_type: str | None) -> str:
    return "gpu" if instance_type and _GPU_FAMILY.match(instance_type) else "cpu"


def image_uri(framework: str, region: str, instance_type: str | None) -> str | None:
    """The prebuilt serving image for a framework in a region, or None where there is none."""
    prebuilt = sagemaker.IMAGES.get(framework)
    registries = ACCOUNTS[prebuilt.accounts] if prebuilt is not None else {}
    if prebuilt is None or region not in registries:
        return None
    chosen = ""
    if prebuilt.processors:
        chosen = processor(instance_type)
        if chosen not in prebuilt.processors:
            chosen = prebuilt.processors[0]
    parts = (prebuilt.version, chosen, prebuilt.python, dict(prebuilt.container).get(chosen, ""))
    tag = "-".join(part for part in parts if part)
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    account = registries[region]
    return f"{account}.dkr.ecr.{region}.{domain}/{prebuilt.repository}:{tag}"
