"""Built-in framework plugins, registered through the `troupe.frameworks` entry points."""
