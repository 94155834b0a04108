"""The workbench tests, a package so that their conftest.py is not confused with the others."""
