"""Stage 6: the deploy repository. The only package that imports GitPython."""
