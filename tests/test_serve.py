"""`make serve REPLICAS=2`: two app processes behind nginx, sticky by the proxy's cookie. Checks that
first visits spread over the replicas, that an upload reaches the replica holding the visitor's
session (and would fail on the other one), and that stopping the script stops every process.
Needs Debian's nginx (scripts/install-nginx.sh); skipped without it. No model is loaded."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(NGINX is None, reason="nginx is not installed")]
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_ports(n: int) -> int:
    """A base port with n consecutive free ports."""
    for base in range(8740, 8790, n):
        try:
            socks = []
            for p in range(base, base + n):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            for s in socks:
                s.close()
            return base
        except OSError:
            for s in socks:
                s.close()
    pytest.skip("no free ports")


def _request(url: str, cookies: dict[str, str], method: str = "GET", body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if cookies:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with HTTP.open(req, timeout=30) as r:
            status, got = r.status, r.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as e:
        status, got = e.code, e.headers.get_all("Set-Cookie") or []
    out = {}
    for c in got:
        k, _, v = c.split(";", 1)[0].partition("=")
        out[k.strip()] = v
    return status, out


@pytest.fixture(scope="module")
def served():
    port = _free_ports(3)
    env = {**os.environ, "REPLICAS": "2", "PORT": str(port), "PYTHON": sys.executable, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
        try:
            if _request(url + "/_stcore/health", {})[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.5)
    yield url, proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def _session_id(url: str, cookies: dict[str, str]) -> str:
    """Open the page's websocket as a browser does and read the session id the replica gives it."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    ws = connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], origin=url,
                 additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
                 proxy=None, open_timeout=30)
    msg = BackMsg()
    msg.rerun_script.page_name = ""
    ws.send(msg.SerializeToString())
    while True:
        fm = ForwardMsg.FromString(ws.recv(timeout=60))
        if fm.WhichOneof("type") == "new_session":
            return ws, fm.new_session.initialize.session_id


def _upload(url: str, sid: str, cookies: dict[str, str]) -> int:
    token = cookies["_streamlit_xsrf"]
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.json\"\r\n"
            f"Content-Type: application/json\r\n\r\n{{}}\r\n--{boundary}--\r\n").encode()
    return _request(f"{url}/_stcore/upload_file/{sid}/{uuid.uuid4().hex}", cookies, "PUT", body,
                    {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": token})[0]


def test_first_visits_spread_over_the_replicas(served):
    url, _ = served
    seen = {_request(url + "/", {})[1].get("kvviz_replica") for _ in range(4)}
    assert seen == {"r0", "r1"}


def test_the_cookie_keeps_a_visitor_on_one_replica(served):
    url, _ = served
    _, cookies = _request(url + "/", {})
    replica = cookies["kvviz_replica"]
    for _ in range(4):
        assert _request(url + "/_stcore/health", cookies)[1]["kvviz_replica"] == replica


def test_upload_reaches_the_replica_holding_the_session(served):
    url, _ = served
    _, cookies = _request(url + "/", {})
    _, more = _request(url + "/_stcore/health", cookies)  # the XSRF cookie, as the page gets it
    cookies.update({k: v for k, v in more.items() if k == "_streamlit_xsrf"})
    ws, sid = _session_id(url, cookies)
    try:
        assert _upload(url, sid, cookies) in (200, 204)
        other = {**cookies, "kvviz_replica": "r1" if cookies["kvviz_replica"] == "r0" else "r0"}
        assert _upload(url, sid, other) == 400  # the other replica does not know this session
        forged = {**cookies, "kvviz_replica": "127.0.0.1:22"}  # not a replica name: the pool decides
        assert _request(url + "/_stcore/health", forged)[0] == 200
    finally:
        ws.close()


def test_stopping_the_script_stops_every_process(served):
    url, proc = served
    children = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) >= 4  # bash, two replicas, nginx (master + worker)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)
    time.sleep(1)
    left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert left == []
    with pytest.raises(OSError):
        _request(url + "/_stcore/health", {})
