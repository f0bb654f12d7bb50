# Troupe operator image: `docker build -t troupe-operator .`
# Build stage: install the project and its dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/troupe
WORKDIR /src
COPY pyproject.toml ./
COPY operator operator
COPY frameworks frameworks
RUN /opt/troupe/bin/pip install . \
    && find /opt/troupe -name '__pycache__' -prune -exec rm -rf {} +

# Runtime stage: the interpreter and the virtual environment, nothing else; no root.
FROM python:3.11-slim
LABEL org.opencontainers.image.title="troupe-operator" \
      org.opencontainers.image.description="One Kubernetes operator for distributed training jobs of every framework" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/troupe /opt/troupe
ENV PATH=/opt/troupe/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 65532:65532
# 8080: kopf liveness (/healthz), 9090: Prometheus metrics, 9443: admission webhook (TLS).
EXPOSE 8080 9090 9443
ENTRYPOINT ["troupe-operator"]
CMD ["--all-namespaces"]
