"""Model flavors: one module per flavor behind the ``Flavor`` protocol, looked up by name."""
