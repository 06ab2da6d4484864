"""mlstack: compile one reviewed mlstack.yaml into Kubernetes and Terraform, per environment."""

__version__ = "0.1.0"
