"""Links, scenario cards and the address bar on the explainer page, in Streamlit's AppTest (no browser),
on the real built-in model. The codec's own rules are in test_url_state.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvviz import presets
from kvviz.text import t
from kvviz.ui import url_state

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"
pytestmark = pytest.mark.slow


def _open(**params) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _steps(at) -> int:
    return len(at.session_state.tracer.trace.steps)


def _unescape(md: str) -> str:
    import re

    return re.sub(r"\\(.)", r"\1", md)


@pytest.fixture
def rooms_dir(tmp_path, monkeypatch):
    """Follow-mode rooms in a folder of the test's own (the page's room store is made afresh)."""
    from kvviz.ui import follow

    monkeypatch.setenv("KVVIZ_ROOMS_DIR", str(tmp_path))
    follow.room_store.clear()
    yield tmp_path
    follow.room_store.clear()


def _leading():
    """An instructor's page at decode 1 of a short run, leading a new room: (the page, its room)."""
    lead = _open(prompt="Lionel Messi is a", max_new="6", step="1", view="work")
    lead.button(key="room_lead").click().run()
    room = lead.session_state.room
    assert room is not None and any(f"follow={room.room_id}" in c.value for c in lead.code)
    return lead, room


def test_a_link_opens_its_run_at_its_step_and_view_and_the_url_follows_the_steps():
    at = _open(prompt="The capital of France is", max_new="8", step="3", view="cache", lang="en", present="0")
    assert at.session_state.view == 3 and _steps(at) == 4
    assert at.session_state.open_view == "cache"
    s = at.session_state.run_settings
    assert (s["prompt"], s["max_new_tokens"], s["temperature"]) == ("The capital of France is", 8, 0.0)
    assert at.session_state.prompt == "The capital of France is"  # the sidebar shows the link's settings
    assert not at.warning, [w.value for w in at.warning]  # no "unapplied settings", no ignored params
    q = at.query_params
    assert (q["step"], q["view"], q["max_new"], q["lang"], q["present"]) == ("3", "cache", "8", "en", "0")
    at.button(key="next").click().run()
    assert at.session_state.view == 4 and at.query_params["step"] == "4"
    at.button(key="back").click().run()
    at.button(key="back").click().run()
    assert at.query_params["step"] == "2" and at.query_params["lang"] == "en"
    # The copy box holds a link that opens this same state.
    link = next(c.value for c in at.code if "step=2" in c.value)
    state, problems = url_state.decode(url_state.dict_of_query(link.split("?", 1)[1]), models=("builtin",),
                                       views=("cache",))
    assert problems == [] and (state.step, state.view, state.max_new) == (2, "cache", 8)
    assert "present=" not in link and "lang=en" in link


def test_a_seeded_sampling_link_reproduces_the_same_tokens():
    params = dict(prompt="Once upon a time", max_new="6", decoding="sampling", temperature="1.2", top_k="0",
                  top_p="1.0", seed="1234", step="5")
    a, b = _open(**params), _open(**params)
    ta, tb = a.session_state.tracer.trace, b.session_state.tracer.trace
    assert [s.token_id for s in ta.steps] == [s.token_id for s in tb.steps] and len(ta.steps) == 6
    assert ta.settings["seed"] == 1234 and ta.settings["temperature"] == 1.2


def test_a_bad_link_opens_the_defaults_and_says_which_part_was_ignored():
    at = _open(max_new="9" * 50, step="-4", view="<script>", model="../../x")
    assert at.session_state.run_settings["max_new_tokens"] == url_state.DEFAULTS.max_new
    assert at.session_state.view == 0
    warned = "\n".join(_unescape(w.value) for w in at.warning)
    for param in ("max_new", "step", "view", "model"):
        assert t("share.url.bad_param", param=param) in warned
    assert "<script>" not in warned


def test_a_link_whose_run_cannot_start_opens_the_default_run_with_a_message():
    at = _open(prompt="word " * 1600, max_new="1000", step="2")  # ~2,600 tokens: past the context limit
    assert at.session_state.run_settings == url_state.settings_of(url_state.DEFAULTS, {"builtin": None}) | {
        "model": None}
    errors = [_unescape(e.value) for e in at.error]
    assert len(errors) == 1 and "2048" in errors[0].replace(",", ""), errors
    assert at.session_state.prompt == url_state.DEFAULTS.prompt


def test_a_scenario_card_opens_its_run_and_the_link_names_it():
    at = _open()
    at.button(key="scenario_messi").click().run()
    assert not at.exception
    s = at.session_state.run_settings
    want = presets.explainer_scenarios()["messi"]
    assert (s["prompt"], s["max_new_tokens"]) == (want["prompt"], want["max_new"])
    assert at.session_state.view == want["step"] and at.session_state.open_view == want["view"]
    assert at.query_params["scenario"] == "messi" and "prompt" not in at.query_params
    assert not at.warning, [w.value for w in at.warning]


def test_presenter_mode_has_keys_and_the_lesson_in_big_print(tmp_path, monkeypatch):
    from kvviz.ui import follow, presenter

    monkeypatch.setenv("KVVIZ_ROOMS_DIR", str(tmp_path))
    follow.room_store.clear()
    at = _open(present="1", prompt="Lionel Messi is a", max_new="6", step="2")
    keys = {b: at.button(key=b).proto.shortcut.lower() for b in ("next", "back", "play")}
    assert keys == {"next": "right", "back": "left", "play": "p"}  # Streamlit stores them lower-case
    css = "\n".join(h.proto.body for h in at.get("html"))
    assert 'section[data-testid="stSidebar"]' in css and "display: none" in css
    lesson = presenter.lesson(at.session_state.tracer.trace, 2)
    assert any(m.value == lesson for m in at.markdown), lesson
    assert at.query_params["present"] == "1" and at.query_params["step"] == "2"
    at.button(key="room_lead").click().run()  # no sidebar: the room's button is on the page
    assert at.session_state.room is not None and any("follow=" in c.value for c in at.code)
    follow.room_store.clear()
    plain = _open(prompt="Lionel Messi is a", max_new="6", step="2")
    assert not plain.button(key="next").proto.shortcut  # keys only for a presenter


def test_a_follower_sees_the_leaders_step_and_does_no_work_while_it_stands(rooms_dir):
    from kvviz.engine.runstore import shared_store

    lead, room = _leading()
    attendee = _open(follow=room.room_id)
    assert attendee.session_state.view == 1 and attendee.session_state.open_view == "work"
    assert not [b for b in attendee.button if b.key in ("next", "back", "play")]  # read-only
    lead.button(key="next").click().run()
    lead.button(key="next").click().run()
    assert lead.session_state.view == 3
    attendee.run()  # the watcher saw the room change
    assert attendee.session_state.view == 3
    assert attendee.session_state.run_settings == lead.session_state.run_settings
    work = sum(r.computations for r in shared_store()._runs.values())
    attendee.run()
    attendee.run()
    assert sum(r.computations for r in shared_store()._runs.values()) == work
    assert attendee.session_state.view == 3
    # The instructor stops: the room is gone for attendees, with a message.
    lead.button(key="room_stop").click().run()
    attendee.run()
    assert any(t("share.room.gone") in w.value for w in attendee.warning)
    bad = _open(follow="../../etc/passwd")
    assert [e.value for e in bad.error] == [t("share.room.bad_id")]


def _planner():
    from kvviz.ui.pages import plan

    plan.render()


def _lab():
    from kvviz.ui.pages import lab

    lab.render()


def test_scenario_links_preselect_the_planner_and_the_lab():
    gqa, window = presets.by_id("gqa_vs_mha"), presets.by_id("sliding_window")
    at = AppTest.from_function(_planner, default_timeout=120)
    at.query_params.update(gqa.settings)
    at.run()
    assert not at.exception
    assert at.multiselect(key="planner_models").value == gqa.settings["models"].split(",")
    hostile = AppTest.from_function(_planner, default_timeout=120)
    hostile.query_params["models"] = "<b>x</b>,../../etc,GPT-2," + "a" * 5000
    hostile.run()
    assert not hostile.exception and hostile.multiselect(key="planner_models").value == ["GPT-2"]
    lab = AppTest.from_function(_lab, default_timeout=240)
    lab.query_params.update(window.settings)
    lab.run()
    assert not lab.exception
    assert list(lab.session_state["lab_families"]) == window.settings["policies"].split(",")


def test_the_cards_link_to_their_pages_with_their_params():
    from urllib.parse import parse_qs

    at = _open(lang="en")
    links = {e.proto.page: parse_qs(e.proto.query_string) for e in at.get("page_link")}
    assert links["planner"] == {"models": [presets.by_id("gqa_vs_mha").settings["models"]], "lang": ["en"]}
    assert links["lab"] == {"policies": [presets.by_id("sliding_window").settings["policies"]], "lang": ["en"]}


def test_a_leader_link_leads_the_room_again_after_a_reload(rooms_dir):
    from urllib.parse import parse_qs, urlsplit

    from kvviz import rooms

    lead, room = _leading()
    lead.button(key="next").click().run()
    lead.button(key="next").click().run()
    link = next(c.value for c in lead.code if "lead=" in c.value)
    token = parse_qs(urlsplit(link).query)["lead"][0]
    assert token == rooms.lead_token(room)
    assert all("lead=" not in c.value for c in lead.code if "follow=" in c.value)
    attendee = _open(follow=room.room_id)
    assert attendee.session_state.view == 3
    # The instructor's page is reloaded: a new session. The leader link leads the same room again,
    # opens the run where the room stands, and leaves the address bar.
    again = _open(lead=token)
    assert again.session_state.room == room
    assert again.session_state.view == 3 and again.session_state.open_view == "work"
    assert again.session_state.run_settings == lead.session_state.run_settings
    assert "lead" not in again.query_params and again.query_params["step"] == "3"
    again.button(key="next").click().run()
    attendee.run()
    assert attendee.session_state.view == 4  # the resumed leader steps the room
    # A follower's link, a forged key, a closed room: not a leader; said so, the page works.
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (room.room_id, wrong):
        other = _open(lead=bad)
        assert "room" not in other.session_state and _steps(other) >= 1
        assert [w.value for w in other.warning if w.value == t("share.room.resume_failed")]
    again.button(key="room_stop").click().run()
    closed = _open(lead=token)
    assert "room" not in closed.session_state
    assert [w.value for w in closed.warning if w.value == t("share.room.resume_failed")]
