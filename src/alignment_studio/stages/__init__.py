"""The stages of a workspace, one module each, each a few plain functions taking a
``Workspace``: the CLI, the web studio and the API call these and nothing below them.

parse · frame · review · instruct (the training chain) · reward · aggregate (value adapters) ·
detect (violation detectors) · audit · judge · redteam · publish · models (serving) · monitor ·
export · init (new and demo workspaces)

A stage's result is an artifact whose key is the hash of its inputs (artifact IDs, source-file
hashes) and its config; an artifact with the same key is reused instead of recomputed. Artifacts
are written atomically, so an interrupted stage leaves every earlier artifact intact, and the
rerun continues (teacher calls from their journal, training from its last checkpoint).
"""
