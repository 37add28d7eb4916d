"""The capacity planner: KV-cache bytes of a model config, and what fits beside the weights.

Pure Python on plain config dicts, no torch and no Streamlit; numbers and stable keys only
(words: kvviz.text, through describe and formula). One topic per module:

  dtypes    element types: bits per value, quantization scales
  configs   the one strict config reader (bounded JSON, every field's type and range), ModelSpec
  layout    what each layer caches per position (MHA/GQA/MQA/MLA, sliding, hybrid); cache bytes
  params    parameter counts from a config (for the weights)
  formula   the cache formula with the config's numbers, as numbers and written out
  plan      Plan: cache and weights at one context and batch, per-layer rows, warnings
  fit       Fit: what fits on one accelerator or N (tensor parallel); validate_config
  catalog   published configs and accelerators (DATA_DIR), finding a model by name or path
  describe  words for the planner's ids (attention scheme, split, warnings), from kvviz.text
"""
