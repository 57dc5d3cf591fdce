"""The programs here are MLflow programs, run by tests/test_mlflow_programs.py: never imported."""

collect_ignore_glob = ["*.py"]
