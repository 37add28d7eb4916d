"""Words of the cache lab page (kvviz/ui/pages/lab.py) and its charts (kvviz/charts/lab.py)."""

STRINGS: dict[str, str] = {
    "lab.nav": "Cache lab",
    "lab.title": "The cache lab: when the cache is too big, what do we keep?",
    "lab.intro": (
        "Run one prompt on the real model under several cache policies at once, all held to the same "
        "budget of positions, and step through them together. Each policy reads the prompt in one pass "
        "with full attention, then trims its cache to the budget after every step; a new token attends "
        "to the positions held plus itself. Positions keep their original rotary positions (the kvpress "
        "convention; the original StreamingLLM re-positions the held tokens within the cache)."
    ),
    "lab.prompt": "Prompt",
    "lab.steps": "Steps (new tokens)",
    "lab.budget": "Budget (positions held per layer)",
    "lab.policies": "Policies (2 to 4)",
    "lab.policies.help": (
        "window: the most recent positions. sinks: the first 4 positions + the most recent (StreamingLLM). "
        "h2o: half the budget for the positions with the most accumulated attention, half for the most "
        "recent, per K/V head (H2O). knorm: the positions whose keys have the smallest norm, per K/V head "
        "(kvpress's KnormPress; needs no attention weights). int8 / int4: every position held, the older "
        "ones quantized KIVI-style in groups of 16; the budget is the full-precision residual."
    ),
    "lab.mode": "Quality measured",
    "lab.mode.forced": "teacher-forced (all fed the full cache's text)",
    "lab.mode.free": "free-running (each writes its own text)",
    "lab.start": "Start the lab",
    "lab.need_two": "Choose 2 to 4 policies.",
    "lab.empty": "Choose a prompt, a budget and 2 to 4 policies, then press Start the lab.",
    "lab.back": "Back",
    "lab.next": "Next token",
    "lab.play": "Play",
    "lab.pause": "Pause",
    "lab.step_label": "Step {step} of {total} (0 = the prompt pass)",
    "lab.metric.bytes": "Held bytes",
    "lab.metric.kl": "KL this step",
    "lab.metric.agree": "Agreement so far",
    "lab.metric.first": "First divergence",
    "lab.metric.none": "none yet",
    "lab.metric.step": "step {step}",
    "lab.metric.bytes.help": "{bytes:,} bytes: keys and values as stored (codes, scales and zero points included)",
    "lab.head": "K/V head shown",
    "lab.grid.caption": (
        "Each row a layer, each column a position: held (blue), evicted (grey), sink (purple), quantized "
        "(teal), fed this step (orange). Look at which old positions survive, and whether layers agree."
    ),
    "lab.text.caption.forced": (
        "The policy's own top-1 at each step (all are fed the full cache's text); red where it differs "
        "from the full cache's choice."
    ),
    "lab.text.caption.free": (
        "The text the policy wrote itself; red from the first token where it leaves the full cache's text."
    ),
    "lab.kl.caption": (
        "How far each policy's next-token distribution is from the full cache's, step by step: 0 means "
        "the same prediction; spikes show where the evicted positions mattered."
    ),
    "lab.kl.free": "KL and agreement are measured in teacher-forced mode; free-running shows where each text diverges.",
    "lab.bytes.caption": "True bytes each policy holds after every step: evicting policies level off at the budget.",
    "lab.cell.evicted": "evicted",
    "lab.cell.held": "held",
    "lab.cell.sink": "sink",
    "lab.cell.quantized": "quantized",
    "lab.cell.new": "fed this step",
    "lab.cell.future": "not yet seen",
    "lab.grid.hover": "layer %{y}, position %{x}: %{customdata}",
    "lab.grid.x": "position (original)",
    "lab.grid.y": "layer",
    "lab.step.x": "step (0 = the prompt pass)",
    "lab.kl.title": "KL(full ‖ policy) per step",
    "lab.kl.y": "KL (nats)",
    "lab.kl.hover": "step %{x}: KL %{y:.4f} nats, top-1 %{customdata[1]} (agrees: %{customdata[0]})",
    "lab.bytes.title": "Bytes held after each step",
    "lab.bytes.y": "bytes",
    "lab.ppl.section": "Quality against memory: perplexity on a real text",
    "lab.ppl.intro": (
        "Teacher-forced perplexity of the model on the first {tokens} tokens of a public-domain passage "
        "(Alice's Adventures in Wonderland, chapter 1), reading 16 tokens first and then one token at a "
        "time through each policy's cache, at several budgets. Lower is better; the star is the full cache."
    ),
    "lab.ppl.button": "Measure perplexity (about a minute; shared by every visitor)",
    "lab.ppl.caption": (
        "Each line one policy at budgets {budgets}: how much perplexity each byte saved costs. "
        "A policy whose line stays near the star keeps what the model needs."
    ),
    "lab.ppl.title": "Perplexity against bytes held",
    "lab.ppl.x": "peak bytes held (log scale)",
    "lab.ppl.y": "perplexity",
    "lab.ppl.hover": "perplexity %{y:.2f}",
    "lab.paged.section": "Paged blocks: many requests, one shared system prompt",
    "lab.paged.intro": (
        "Serving engines such as vLLM store the cache in blocks of {size} tokens, listed per request in a "
        "block table. A full block is found again by a hash of its tokens and everything before it, so "
        "requests that start with the same system prompt share those blocks by reference count."
    ),
    "lab.paged.button": "Run the paged demo on the model",
    "lab.paged.caption": (
        "One row per request, one cell per block (its id): green blocks are shared by several requests "
        "and stored once; the blue tail of each row is the request's own."
    ),
    "lab.paged.title": "Block tables (block size {size})",
    "lab.paged.x": "block slot in the request's table",
    "lab.paged.request": "request {i} ({tokens} tokens)",
    "lab.paged.hover": "slot %{x}: block %{text}<extra></extra>",
    "lab.paged.own": "own block",
    "lab.paged.shared": "shared block",
    "lab.paged.memory": "Memory: shared / unshared",
    "lab.paged.prefill": "Prefill: reusing the prefix / whole",
    "lab.paged.prefill.help": (
        "Wall-clock time of all the requests' prefills (best of 3); CPU time: {reuse:.0f} / {whole:.0f} ms"
    ),
    "lab.paged.cow": (
        "Shared prefix: {tokens} tokens found in the pool. A second sample of request 1 (forked: every block "
        "shared) then writes its own next token: {cow} copy-on-write of the shared, partly filled last block. "
        "Largest logit difference between reusing the prefix and a whole prefill: {diff:.1e}."
    ),
    "lab.system_prompt": (
        "You are the guide of a football museum. The museum has three floors: the ground floor tells the history "
        "of the game from its first rules in 1863 to today; the first floor holds the World Cup gallery, with a "
        "ball from every final; the second floor is about the great players, with a room for each continent. The "
        "cafe and the shop are next to the entrance. Answer every visitor's question in one short, friendly "
        "sentence, and say so when you are not sure.\n\nVisitor: "
    ),
    "lab.question.1": "Who is Lionel Messi?",
    "lab.question.2": "Where is the museum's cafe?",
    "lab.question.3": "When was the first World Cup played?",
    "lab.question.4": "What is offside?",
    "lab.limits": "Limits per run: {steps} steps, budget up to {budget}, prompt up to {prompt} tokens.",
    "lab.error.draw": "This step could not be drawn ({what}).",
}
