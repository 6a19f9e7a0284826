"""Test certificates for test_tls.py, made with the ``openssl`` command-line tool.

``make_certs(dir)`` writes (PEM, unencrypted keys, EC P-256 so it takes well under a second):

* ``ca``       - the test CA (CN=larch-test-ca); ``CA_CN`` is its Common Name
* ``server``   - CN=larch-server, SAN IP:127.0.0.1 + DNS:localhost, serverAuth
* ``alice``    - client cert CN=alice (clientAuth), signed by ``ca``
* ``root``     - client cert CN=root (clientAuth), signed by ``ca``
* ``peer``     - CN=larch-peer, SAN IP:127.0.0.1 + DNS:localhost, serverAuth + clientAuth
                 (a member uses it both to serve and to dial its peers)
* ``other_ca`` - a second, unrelated CA (CN=other-test-ca)
* ``stranger`` - client cert CN=alice signed by ``other_ca`` (right name, wrong issuer)
* ``odd_key``  - a key that belongs to no certificate (for "key does not match cert")

and returns a ``Certs`` with ``.ca``, ``.server`` (a ``Pair`` of crt/key paths) etc.
``make_crl(certs, [pairs], path)`` writes a revocation list, signed by ``ca``, of ``pairs``.
Nothing here talks to the network; every openssl call is bounded in time.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from dataclasses import dataclass

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
CA_CN = "larch-test-ca"
OTHER_CA_CN = "other-test-ca"
DAYS = "30"


@dataclass(frozen=True)
class Pair:
    crt: str
    key: str

    @property
    def both(self) -> tuple[str, str]:
        return (self.crt, self.key)


@dataclass(frozen=True)
class Certs:
    dir: str
    ca: Pair
    other_ca: Pair
    server: Pair
    alice: Pair
    root: Pair
    peer: Pair
    stranger: Pair
    odd_key: str

    # ---- ssl contexts for Python clients ------------------------------------------------
    def context(self, client: Pair | None = None, ca: str | None = None) -> ssl.SSLContext:
        """A client context that verifies the server against ``ca`` (default: our CA, with
        hostname checking) and presents ``client`` if given."""
        ctx = ssl.create_default_context(cafile=ca or self.ca.crt)
        if client is not None:
            ctx.load_cert_chain(client.crt, client.key)
        return ctx


def _run(*args: str, cwd: str) -> None:
    p = subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed ({p.returncode}):\n"
                           f"{p.stdout}\n{p.stderr}")


def _key(d: str, name: str) -> str:
    path = os.path.join(d, f"{name}.key")
    _run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-out", path, cwd=d)
    return path


def _ca(d: str, name: str, cn: str) -> Pair:
    key = _key(d, name)
    crt = os.path.join(d, f"{name}.crt")
    _run("req", "-x509", "-new", "-key", key, "-out", crt, "-days", DAYS, "-subj", f"/CN={cn}",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign",
         "-addext", "subjectKeyIdentifier=hash", cwd=d)
    return Pair(crt, key)


def _leaf(d: str, name: str, cn: str, ca: Pair, eku: str, san: str | None) -> Pair:
    key = _key(d, name)
    csr = os.path.join(d, f"{name}.csr")
    crt = os.path.join(d, f"{name}.crt")
    ext = os.path.join(d, f"{name}.ext")
    lines = ["basicConstraints=critical,CA:FALSE",
             "keyUsage=critical,digitalSignature,keyEncipherment",
             f"extendedKeyUsage={eku}",
             "subjectKeyIdentifier=hash",
             "authorityKeyIdentifier=keyid,issuer"]
    if san:
        lines.append(f"subjectAltName={san}")
    with open(ext, "w") as f:
        f.write("\n".join(lines) + "\n")
    _run("req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={cn}", cwd=d)
    _run("x509", "-req", "-in", csr, "-CA", ca.crt, "-CAkey", ca.key, "-CAcreateserial",
         "-out", crt, "-days", DAYS, "-sha256", "-extfile", ext, cwd=d)
    return Pair(crt, key)


def make_certs(d: str) -> Certs:
    os.makedirs(d, exist_ok=True)
    san = "IP:127.0.0.1,DNS:localhost"
    ca = _ca(d, "ca", CA_CN)
    other = _ca(d, "other-ca", OTHER_CA_CN)
    return Certs(
        dir=d, ca=ca, other_ca=other,
        server=_leaf(d, "server", "larch-server", ca, "serverAuth", san),
        alice=_leaf(d, "alice", "alice", ca, "clientAuth", None),
        root=_leaf(d, "root", "root", ca, "clientAuth", None),
        peer=_leaf(d, "peer", "larch-peer", ca, "serverAuth,clientAuth", san),
        stranger=_leaf(d, "stranger", "alice", other, "clientAuth", None),
        odd_key=_key(d, "odd"),
    )


def der_of(crt_path: str) -> bytes:
    """DER bytes of a PEM certificate file (to compare with getpeercert(True))."""
    with open(crt_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def serial_of(crt_path: str) -> str:
    """A certificate's serial number in lower-case hex, as etcd prints it."""
    p = subprocess.run([OPENSSL, "x509", "-noout", "-serial", "-in", crt_path],
                       capture_output=True, text=True, timeout=30, check=True)
    return p.stdout.strip().split("=", 1)[1].lower()


def make_crl(certs: Certs, revoked: list[Pair], path: str) -> str:
    """Writes to ``path`` (PEM) a revocation list signed by the test CA that lists the
    serial numbers of ``revoked``; returns ``path``."""
    d = os.path.join(certs.dir, "crl-" + os.path.basename(path))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n"
                "default_md = sha256\ndefault_crl_days = 30\n")
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "crlnumber"), "w") as f:
        f.write("01\n")
    ca = ("-config", "ca.cnf", "-keyfile", certs.ca.key, "-cert", certs.ca.crt)
    for pair in revoked:
        _run("ca", *ca, "-revoke", pair.crt, cwd=d)
    tmp = path + ".tmp"
    _run("ca", *ca, "-gencrl", "-out", tmp, cwd=d)
    os.replace(tmp, path)   # atomically, as an operator rotating the list would
    return path
