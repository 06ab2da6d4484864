"""What a SageMaker serving's `dataCapture` and `vpc` add to its endpoint and role.

`dataCapture` records requests and responses into the endpoint configuration's
`data_capture_config` (SageMaker writes JSON lines under DESTINATION/ENDPOINT/VARIANT/): the
execution role may put objects under the destination (and nothing more there: it never reads
its own captures) and, with a capture key, generate data keys of that key, which S3 SSE-KMS
asks of the writer. `vpc` puts every model of the serving in the given subnets and security
groups; the role then gets the EC2 network-interface actions SageMaker documents for it
("Give SageMaker Hosted Endpoints Access to Resources in Your Amazon VPC"), which take no
resource-level scoping.
"""

from __future__ import annotations

from typing import Literal

from mlstack.spec.serving import DataCapture
from mlstack.spec.uris import parse
from mlstack.targets.terraform.aws_attrs import DataCaptureConfig, Statement
from mlstack.targets.terraform.aws_iam import object_arns

VPC_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
]
CAPTURE_MODES: dict[str, Literal["Input", "Output"]] = {"input": "Input", "output": "Output"}


def capture_statements(capture: DataCapture) -> list[Statement]:
    """Write-only access to the capture destination (and its key)."""
    location = parse(capture.destination)
    out: list[Statement] = [
        {
            "sid": "Capture",
            "effect": "Allow",
            "actions": ["s3:PutObject"],
            "resources": object_arns(location.bucket, location.prefix.rstrip("/")),
        }
    ]
    if capture.kms_key is not None:
        out.append(
            {
                "sid": "CaptureKey",
                "effect": "Allow",
                "actions": ["kms:GenerateDataKey"],
                "resources": [capture.kms_key],
            }
        )
    return out


def data_capture(capture: DataCapture) -> DataCaptureConfig:
    config: DataCaptureConfig = {
        "enable_capture": True,
        "initial_sampling_percentage": capture.percent,
        "destination_s3_uri": capture.destination,
        "capture_options": [{"capture_mode": CAPTURE_MODES[mode]} for mode in capture.capture],
    }
    if capture.kms_key is not None:
        config["kms_key_id"] = capture.kms_key
    return config
