"""Sharing a run (links, preset scenarios, presenter mode, follow mode): every word those parts show.

Templates are the app's own text and may use Markdown; anything from a link (a parameter's name
is ours, its value never shown unescaped) goes through md_escape first.
"""

STRINGS: dict[str, str] = {
    # --- links (kvviz/ui/url_state.py, kvviz/ui/share.py)
    "share.url.bad_param": "The link's `{param}` could not be used; the default is shown instead.",
    "share.url.model_not_allowed": (
        "This server runs only its listed models; the link's model was replaced by the default."
    ),
    "share.url.step_clamped": "The link asked for a step past the end of its run; the last step is shown.",
    "share.url.intro": "The link ignored part of what it held:",
    "share.url.failed": "The run in the link could not start ({message}); the default run is shown instead.",
    "share.url.stepping": "Running the model up to step {step}…",
    "share.link": "Link",
    "share.link_help": (
        "Opens this run at this step and view. Copy it with the icon at the right of the box. "
        "Greedy and seeded runs come out the same for everyone who opens it."
    ),
    "share.link_none": (
        "This run has no link: it was opened from a file, or its prompt is longer than {chars:,} characters. "
        "Share its trace file instead (the *Export & file* tab)."
    ),
    # --- preset scenarios (kvviz/presets.py)
    "share.scenarios": "Scenarios",
    "share.scenario.open": "Open",
    "share.scenario.messi.title": "The article's loop",
    "share.scenario.messi.sentence": (
        "\"Lionel Messi is a\", 14 greedy steps: each step feeds one new token and reuses everything cached."
    ),
    "share.scenario.long_context.title": "A long context",
    "share.scenario.long_context.sentence": (
        "A page of *Alice in Wonderland* as the prompt: without the cache every step redoes all of it, "
        "hundreds of times the work of a cached step."
    ),
    "share.scenario.gqa_vs_mha.title": "GQA against MHA",
    "share.scenario.gqa_vs_mha.sentence": (
        "The capacity planner with the built-in model (3 K/V heads for 9 query heads) beside GPT-2 small "
        "(12 for 12): how sharing heads shrinks the cache."
    ),
    "share.scenario.sliding_window.title": "A sliding window",
    "share.scenario.sliding_window.sentence": (
        "The cache lab with a sliding window against the same window plus attention sinks: what a fixed "
        "budget keeps and what it forgets."
    ),
    # --- presenter mode (kvviz/ui/presenter.py)
    "share.present.keys": "Keys: → next · ← back · P play or pause",
    # --- follow mode (kvviz/ui/follow.py, kvviz/rooms.py)
    "share.room.lead": "Lead a room",
    "share.room.lead_help": (
        "Attendees who open the room's link see this run, read-only, at the step you show. "
        "It keeps working when they land on another server of the same deployment."
    ),
    "share.room.link": "Room link for attendees",
    "share.room.resume": "Keep leading after a reload",
    "share.room.resume_help": (
        "Open this link to lead this room again, at the step it is on: after reloading this page, or "
        "from another browser. Anyone with it can step the room, so keep it to yourself and do not project it."
    ),
    "share.room.resume_failed": (
        "This leader link no longer leads a room: the room has closed or the link is not valid. "
        "Press Lead a room to start a new one."
    ),
    "share.room.stop": "Stop leading",
    "share.room.leading": "Leading a room: attendees follow your steps.",
    "share.room.replay": "A run opened from a file cannot be shared with a room.",
    "share.room.following": "Following the instructor's run (read-only). It advances when the instructor steps.",
    "share.room.waiting": "Waiting for the instructor to start a run.",
    "share.room.gone": "This room does not exist or has closed. Ask the instructor for a new link.",
    "share.room.bad_id": "This room link is not valid.",
    "share.room.full": "Too many rooms are open on this server; try again later.",
    "share.room.leave": "Leave the room and explore on your own",
}
