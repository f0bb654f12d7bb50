"""Every decision Troupe makes, as pure functions of the spec and what is observed.

Imports neither kopf nor a Kubernetes client: everything here is tested without a cluster.
"""
