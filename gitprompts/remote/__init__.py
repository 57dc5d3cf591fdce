"""Registries elsewhere: push/pull/clone, rebasing onto a remote, URL mirrors, push policy."""
