"""Entry points: the click CLI (``newsclust``) and, later, the nightly job wrapper."""
