"""Streamlit's websocket protocol as a browser tab speaks it, for benchmarks/load.py.

The page is read from ForwardMsgs (protobufs): widgets as the browser's widget manager keeps them
(the default from the proto, the server's value when set_value, else the value held), the message
cache (cacheable messages stored by hash, their hashes sent with every rerun, ref_hash answered from
the store), and the page's script hash. A rerun sends BackMsg.rerun_script with every widget value,
plus a button's trigger and its fragment id for a click, and reads to the run's script_finished.
"""

from __future__ import annotations

import asyncio
import re
import time

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState

RUN_OVER = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
            ForwardMsg.FINISHED_WITH_COMPILE_ERROR}

_MD_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_GAPS = re.compile(r"[\s\u2423\u21b5\u2192]+")  # blanks and the marks the token chips draw for them


def squash(text: str) -> str:
    """Text as compared for "the page shows it": markdown escapes undone, blanks and ␣ marks dropped."""
    return _GAPS.sub("", _MD_ESCAPED.sub(r"\1", text))


# ---- plain HTTP, with the proxy's cookie ----------------------------------------------------------

async def http_get(host: str, port: int, path: str, cookie: str, timeout: float) -> tuple[int, dict[str, str]]:
    """GET over asyncio streams: the status and the cookies the response sets (name -> value)."""
    async def go():
        reader, writer = await asyncio.open_connection(host, port)
        head = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
        writer.write((head + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode())
        await writer.drain()
        data = await reader.read()
        writer.close()
        lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        cookies = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "set-cookie":
                k, _, v = value.strip().split(";", 1)[0].partition("=")
                cookies[k] = v
        return int(lines[0].split()[1]), cookies
    return await asyncio.wait_for(go(), timeout)


# ---- one browser tab ------------------------------------------------------------------------------

class Tab:
    """What the browser keeps for one page: widget values, the message cache, the page's script hash."""

    def __init__(self, ws):
        self.ws = ws
        self.widgets: dict[str, dict] = {}  # id -> {kind, label, fragment, run, disabled, state}
        self.cache: dict[str, ForwardMsg] = {}
        self.page_hash = ""
        self.runs = 0

    def find(self, label: str, kind: str) -> dict | None:
        found = [w for w in self.widgets.values() if w["kind"] == kind and w["label"] == label]
        return max(found, key=lambda w: w["run"], default=None)

    async def rerun(self, timeout: float, fragment: str = "", extra: tuple = ()) -> dict:
        """Send a rerun as the browser does (every widget value, plus `extra`) and read to its end."""
        cs = ClientState(page_script_hash=self.page_hash, fragment_id=fragment)
        ids = {s.id for s in extra}
        cs.widget_states.widgets.extend(w["state"] for w in self.widgets.values()
                                        if w["state"] is not None and w["id"] not in ids)
        cs.widget_states.widgets.extend(extra)
        cs.cached_message_hashes.extend(self.cache)
        cs.context_info.timezone, cs.context_info.locale = "UTC", "en-US"
        msg = BackMsg()
        msg.rerun_script.CopyFrom(cs)
        run = {"sent": time.perf_counter(), "exceptions": [], "errors": [], "queued": False,
               "metrics": {}, "texts": []}
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._read_run(run), timeout)
        run["latency"] = run["done"] - run["sent"]
        return run

    async def _read_run(self, run: dict) -> None:
        while True:
            fm = ForwardMsg.FromString(await self.ws.recv())
            if fm.WhichOneof("type") == "ref_hash":
                cached = self.cache[fm.ref_hash]
                fm, meta = ForwardMsg(), fm.metadata
                fm.CopyFrom(cached)
                fm.metadata.CopyFrom(meta)
            elif fm.metadata.cacheable and fm.hash:
                self.cache[fm.hash] = fm
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.runs += 1
                self.page_hash = fm.new_session.page_script_hash or self.page_hash
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                self._element(run, fm.delta.new_element, fm.delta.fragment_id)
            elif kind == "script_finished" and fm.script_finished in RUN_OVER:
                frags = set(fm.metadata.run.fragment_ids)
                for wid, w in list(self.widgets.items()):  # the browser forgets widgets not redrawn
                    if (not frags or w["fragment"] in frags) and w["run"] != self.runs:
                        del self.widgets[wid]
                run["done"] = time.perf_counter()
                return

    def _element(self, run: dict, el, fragment: str) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            run["exceptions"].append(f"{el.exception.type}: {el.exception.message}"[:300])
        elif kind == "alert":
            if el.alert.format == Alert.ERROR:
                run["errors"].append(el.alert.body[:300])
            elif el.alert.format == Alert.INFO and el.alert.body.startswith("Queued"):
                run["queued"] = True
        elif kind == "metric":
            run["metrics"][el.metric.label] = el.metric.body
        elif kind == "markdown":
            run["texts"].append(el.markdown.body)
        elif kind in ("button", "selectbox", "radio", "text_area", "text_input", "number_input",
                      "slider", "checkbox"):
            w = getattr(el, kind)
            old = self.widgets.get(w.id)
            state = old["state"] if old is not None and not getattr(w, "set_value", False) else _value(kind, w)
            self.widgets[w.id] = {"id": w.id, "kind": kind, "label": w.label, "fragment": fragment,
                                  "run": self.runs, "disabled": w.disabled, "state": state}


def _value(kind: str, w) -> WidgetState | None:
    """A widget's value as the browser first holds it: the server's when set_value, else the default."""
    if kind == "button":
        return None
    s, use = WidgetState(id=w.id), w.set_value
    if kind == "checkbox":
        s.bool_value = w.value if use else w.default
    elif kind in ("selectbox", "radio"):
        if use:
            s.string_value = w.raw_value
        elif w.HasField("default") and w.default < len(w.options):
            s.string_value = w.options[w.default]
        else:
            return None
    elif kind in ("text_area", "text_input"):
        s.string_value = w.value if use else w.default
    elif kind == "number_input":
        v = w.value if use else w.default
        if w.data_type == NumberInput.INT:
            s.int_value = int(v)
        else:
            s.double_value = v
    elif kind == "slider":
        s.double_array_value.data.extend(w.value if use else w.default)
    return s
