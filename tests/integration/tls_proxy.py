"""A TLS terminator (nginx) in front of the dev server, as a secured Temporal cluster looks to a client.

The dev server speaks plain gRPC only; nginx adds what a production frontend
or Temporal Cloud asks for: TLS with a private CA, a client certificate
(mTLS) and, optionally, an API key in the ``authorization`` header.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.processes import ManagedProcess, PortOpen, free_port

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def find_nginx() -> str | None:
    """nginx is often in sbin, which a non-root PATH leaves out."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if Path(path).is_file()), None)


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    @classmethod
    def create(cls, folder: Path) -> Certificates:
        """A private CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by it."""
        folder.mkdir(parents=True, exist_ok=True)
        run = lambda *args: _openssl(*args, cwd=folder)  # noqa: E731
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=momoflow test CA",
            "-keyout", "ca.key", "-out", "ca.pem")  # fmt: skip
        (folder / "server.ext").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
        )
        (folder / "client.ext").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
        )
        for name in ("server", "client"):
            run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=momoflow test {name}",
                "-keyout", f"{name}.key", "-out", f"{name}.csr")  # fmt: skip
            run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem")  # fmt: skip
        return cls(
            ca=folder / "ca.pem",
            server_cert=folder / "server.pem",
            server_key=folder / "server.key",
            client_cert=folder / "client.pem",
            client_key=folder / "client.key",
        )


class TlsProxy:
    """nginx on a free port: TLS, a required client certificate, then plain gRPC to ``upstream``."""

    def __init__(
        self, nginx: str, folder: Path, certs: Certificates, upstream: str, api_key: str | None = None
    ) -> None:
        self.folder, self.certs, self.upstream, self.api_key = folder, certs, upstream, api_key
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self._nginx = nginx
        self.process: ManagedProcess | None = None

    def _config(self) -> str:
        c = self.certs
        key_check = ""
        if self.api_key:
            # Temporal clients send the API key as "authorization: Bearer <key>" on every call.
            key_check = f'if ($http_authorization != "Bearer {self.api_key}") {{ return 401; }}'
        return f"""
daemon off;
master_process off;
worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {self.folder}/tmp/body;
    proxy_temp_path {self.folder}/tmp/proxy;
    fastcgi_temp_path {self.folder}/tmp/fastcgi;
    uwsgi_temp_path {self.folder}/tmp/uwsgi;
    scgi_temp_path {self.folder}/tmp/scgi;
    server {{
        listen 127.0.0.1:{self.port} ssl http2;
        ssl_certificate {c.server_cert};
        ssl_certificate_key {c.server_key};
        ssl_client_certificate {c.ca};
        ssl_verify_client on;
        grpc_read_timeout 120s;
        grpc_send_timeout 120s;
        location / {{
            {key_check}
            grpc_pass grpc://{self.upstream};
        }}
    }}
}}
"""

    def start(self) -> TlsProxy:
        (self.folder / "tmp").mkdir(parents=True, exist_ok=True)
        conf = self.folder / "nginx.conf"
        conf.write_text(self._config())
        argv = [self._nginx, "-p", str(self.folder), "-c", str(conf), "-e", str(self.folder / "error.log")]
        self.process = ManagedProcess("nginx", argv, {}, self.folder / "nginx.log")
        self.process.start()
        return self

    async def wait_ready(self) -> None:
        assert self.process is not None
        await self.process.wait_until(PortOpen("127.0.0.1", self.port), timeout=20)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def client_env(self, *, client_certificate: bool = True) -> dict[str, str]:
        """Temporal's standard client variables for reaching the dev server through this proxy."""
        env = {"TEMPORAL_ADDRESS": self.address, "TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(self.certs.ca)}
        if client_certificate:
            env["TEMPORAL_TLS_CLIENT_CERT_PATH"] = str(self.certs.client_cert)
            env["TEMPORAL_TLS_CLIENT_KEY_PATH"] = str(self.certs.client_key)
        if self.api_key:
            env["TEMPORAL_API_KEY"] = self.api_key
        return env
