"""The performance benchmark (`make bench`): see run.py."""
