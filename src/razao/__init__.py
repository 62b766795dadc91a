"""Razão's composition root: settings, the dependency-injector container, the API factory, the CLI.

This package is the only place that knows every adapter; it sits above them in the import-linter
layers so that adapters never import each other.
"""
