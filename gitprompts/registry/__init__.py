"""The registry layer: prompt semantics over one bare git repository.

>>> from gitprompts.registry import Registry
>>> Registry                                  # doctest: +ELLIPSIS
<class 'gitprompts.registry.registry.Registry'>
"""

from gitprompts.registry.registry import Registry

__all__ = ["Registry"]
