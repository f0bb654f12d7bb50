"""Troupe Studio: the training platform's service (datasets, code, layers, models, runs).

Layers, as in the operator: `domain` is pure (formats, validation rules, job rendering; no
FastAPI, SQLAlchemy, S3 or Kubernetes imports); `db`, `store` and `kube` are the one module
each that talks to the database, the object store and the cluster; `http` holds thin routers.
"""
