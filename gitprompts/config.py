"""Where things live: ``GITPROMPTS_HOME``, the default registry, and ``set_registry``.

Resolution order for the registry: ``set_registry(path)`` in this process,
then ``$GITPROMPTS_REGISTRY``, then ``$GITPROMPTS_HOME/registry.git``
(``~/.gitprompts/registry.git`` when ``GITPROMPTS_HOME`` is unset), created on
first use. The implementation lives in ``gitprompts.remote.location``.

>>> from gitprompts import config
>>> config.set_registry("/tmp/team-prompts.git")
>>> config.registry_location()
'/tmp/team-prompts.git'
>>> config.set_registry(None)
"""

from __future__ import annotations

from gitprompts.remote.location import (
    forget_registries,
    get_registry,
    home,
    registry_location,
    set_registry,
)

__all__ = ["forget_registries", "get_registry", "home", "registry_location", "set_registry"]
