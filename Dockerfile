# One image for the worker, the gateway, the sandbox and the starter CLI.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY momoflow momoflow
COPY momo momo
COPY workflows workflows
COPY activities activities
COPY callbacks callbacks
COPY sandbox sandbox
COPY starter starter
COPY devstack devstack
COPY bench bench
COPY worker.py ./
RUN pip install --no-cache-dir . && useradd --system momoflow
USER momoflow
CMD ["python", "worker.py"]
