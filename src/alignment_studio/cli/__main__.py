"""``python -m alignment_studio.cli``: what ``accelerate launch -m`` runs on every GPU."""

from alignment_studio.cli import main

main()
