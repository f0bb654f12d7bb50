"""Helpers shared by the integration tests: the cluster, waiting, and playing kubelet."""
