"""`python -m mlstack`: the same entry point as the `mlstack` console script."""

from mlstack.cli import main

if __name__ == "__main__":
    main()
