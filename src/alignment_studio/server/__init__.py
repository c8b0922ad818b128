"""The studio server: the web studio and the OpenAI-compatible serving API (FastAPI)."""
