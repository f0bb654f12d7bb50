"""Troupe: one Kubernetes operator for distributed training jobs of every framework."""
