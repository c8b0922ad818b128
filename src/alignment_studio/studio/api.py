"""The OpenAI-compatible API (/v1/models, /v1/chat/completions). Placeholder: being built."""

from fastapi import APIRouter

router = APIRouter()
