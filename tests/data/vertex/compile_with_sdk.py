"""Compile, with the real KFP SDK, the pipeline an mlstack Vertex spec describes, and say
whether the two documents are equal. Not part of the test-suite (it needs kfp and
google-cloud-pipeline-components, see README.md): it regenerates the reference beside it.

    python compile_with_sdk.py out/recsys/prod/terraform/vertex/ranker-xgb.pipeline.json OUT.json
"""

import json
import sys
from pathlib import Path

from google_cloud_pipeline_components.v1.custom_job import CustomTrainingJobOp
from kfp import compiler, dsl

ours = json.loads(Path(sys.argv[1]).read_text())
task = ours["root"]["dag"]["tasks"]["custom-training-job"]
inputs = {k: v["runtimeValue"]["constant"] for k, v in task["inputs"]["parameters"].items()}


@dsl.pipeline(name=ours["pipelineInfo"]["name"], pipeline_root=ours["defaultPipelineRoot"])
def train() -> None:
    CustomTrainingJobOp(**inputs).set_caching_options(False)


compiler.Compiler().compile(train, sys.argv[2])
sdk = json.loads(Path(sys.argv[2]).read_text())
print("equal:", sdk == ours, [k for k in sdk if sdk[k] != ours.get(k)])
