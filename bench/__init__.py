"""Benchmark and load harness: ``bench/run`` (performance at scale) and ``bench/load`` (reliability).

Everything here drives the project from outside (gunicorn, wrk, PostgreSQL); the
only in-process parts are ``bench.probe`` (Django, run as a subprocess) and the
reference app ``bench.baseline``.
"""
