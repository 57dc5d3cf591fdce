"""Pure domain: the repository contract, URIs, templates, prompt files and records (no I/O)."""
