"""Filesystem helpers: writes that never leave a half-written file or directory in place.

A bottom layer beside ``core/``: it imports nothing else from gitprompts, so
every layer above (the git backend's transaction log, the artifact store,
model exports, clones, installed hooks) can share one implementation of
"write aside, then rename into place" (``gitprompts.fs.atomic``).
"""
