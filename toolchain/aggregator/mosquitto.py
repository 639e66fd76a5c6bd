"""A throwaway Mosquitto broker in a folder, like pgcluster.py for PostgreSQL: for tests, benchmarks
and trying `serve --mqtt` without administering a broker. Uses Debian's `mosquitto` and
`mosquitto_passwd`, listens on 127.0.0.1 only, TLS only, with a CA made here by the openssl CLI.

Access: every device logs in with its name and a password (the tests use its aggregator token) and
may publish to its own topic only (`tinylarge/<name>/results`, an ACL pattern on the user name);
the aggregator user may only subscribe. A device publishing as another gets PUBACK "Not authorized".
Persistence is on, so a broker stopped with SIGTERM and started again keeps the queued messages of
persistent sessions (the aggregators') and their unacknowledged deliveries.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.mqtt import AGGREGATOR_USER, TOPIC_PATTERN

START_SECONDS = 15


@dataclass
class TempMosquitto:
    base_dir: Path
    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.base_dir / "ca.crt"

    def start(self) -> None:
        log = open(self.base_dir / "mosquitto.log", "ab")
        self.process = subprocess.Popen([_binary("mosquitto"), "-c", str(self.base_dir / "mosquitto.conf")],
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.base_dir / "mosquitto.log").read_text(errors="replace").strip().splitlines()
                raise AggregatorError(f"mosquitto exited: {tail[-1] if tail else self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AggregatorError(f"mosquitto did not listen on port {self.port} within {START_SECONDS} s")

    def stop(self) -> None:
        """SIGTERM: the broker writes its persistence file before it exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def add_users(self, passwords: dict[str, str]) -> None:
        """Add (or change) logins; a running broker re-reads its password file on SIGHUP."""
        passwd_file = self.base_dir / "passwd"
        plain = dict(_read_plain(self.base_dir / "passwd.plain"))
        plain.update(passwords)
        (self.base_dir / "passwd.plain").write_text("".join(f"{u}:{p}\n" for u, p in plain.items()))
        shutil.copyfile(self.base_dir / "passwd.plain", passwd_file)
        _run([_binary("mosquitto_passwd"), "-U", str(passwd_file)], "mosquitto_passwd")  # hash in place
        os.chmod(passwd_file, 0o600)
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGHUP)
            time.sleep(0.2)  # the reload happens in the broker's next loop


def start_temp_mosquitto(base_dir: Path, passwords: dict[str, str], port: int = 0) -> TempMosquitto:
    """Make a CA and a server certificate, a password file, an ACL and a config under `base_dir`,
    then start the broker. `passwords` maps user names (devices and AGGREGATOR_USER) to passwords."""
    base_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(base_dir, 0o700)
    _make_certificates(base_dir)
    (base_dir / "acl").write_text(
        f"user {AGGREGATOR_USER}\ntopic read {TOPIC_PATTERN.format(device='+')}\n\n"
        f"pattern write {TOPIC_PATTERN.format(device='%u')}\n")
    (base_dir / "persistence").mkdir(exist_ok=True)
    broker = TempMosquitto(base_dir, port or _free_port())
    broker.add_users(passwords)
    (base_dir / "mosquitto.conf").write_text(f"""\
per_listener_settings false
allow_anonymous false
password_file {base_dir / 'passwd'}
acl_file {base_dir / 'acl'}
persistence true
persistence_location {base_dir / 'persistence'}/
autosave_interval 5
# queued and in-flight QoS 1 messages are never dropped for a slow or absent aggregator session
max_queued_messages 0
max_inflight_messages 0
user {pwd.getpwuid(os.geteuid()).pw_name}
log_dest stderr
log_type error
log_type warning
listener {broker.port} 127.0.0.1
cafile {base_dir / 'ca.crt'}
certfile {base_dir / 'server.crt'}
keyfile {base_dir / 'server.key'}
""")
    broker.start()
    return broker


def _make_certificates(base_dir: Path) -> None:
    """A test CA (valid 2 days) and a server certificate for 127.0.0.1/localhost signed by it."""
    openssl = _binary("openssl")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run([openssl, "req", "-x509", *ec, "-keyout", str(base_dir / "ca.key"), "-out", str(base_dir / "ca.crt"),
          "-days", "2", "-subj", "/CN=tinylarge test CA", "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"], "openssl (CA)")
    _run([openssl, "req", *ec, "-keyout", str(base_dir / "server.key"), "-out", str(base_dir / "server.csr"),
          "-subj", "/CN=localhost"], "openssl (server key)")
    (base_dir / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                         "extendedKeyUsage=serverAuth\n")
    _run([openssl, "x509", "-req", "-in", str(base_dir / "server.csr"), "-CA", str(base_dir / "ca.crt"),
          "-CAkey", str(base_dir / "ca.key"), "-CAcreateserial", "-out", str(base_dir / "server.crt"),
          "-days", "2", "-extfile", str(base_dir / "server.ext")], "openssl (server certificate)")


def _read_plain(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    return [tuple(line.split(":", 1)) for line in path.read_text().splitlines() if line]


def _binary(name: str) -> str:
    found = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if found is None:
        raise AggregatorError(f"{name} not found: install the 'mosquitto' package (and openssl)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise AggregatorError(f"{what} failed: {detail[-1] if detail else f'exit code {done.returncode}'}")
