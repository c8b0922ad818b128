"""The web studio's pages and their JSON endpoints. Placeholder: being built."""

from fastapi import APIRouter

router = APIRouter()
