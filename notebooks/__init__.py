"""Marks notebooks/ as a package so that its conftest.py has a module name of its own for pytest."""
