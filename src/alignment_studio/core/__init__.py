"""The bottom layer every other package may use: errors, text utilities, answer reading, JSON
repair, prompt templates and YAML/JSONL readers. Nothing here imports another package of
Alignment Studio except ``types``."""
