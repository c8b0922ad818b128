"""The web studio: the pages compliance reviewers work in, and the JSON their scripts call.

Pages are rendered on the server (Jinja templates in ``resources/web/templates``, every value
escaped) and work as plain HTML forms; a small script module (``/static/studio.js``) adds the
parts that need a model's answer without a page load (chat, compare, red team), the policy
picker and live job progress. Nothing is fetched from anywhere but this server.

- ``/policies``, ``/policy?id=``: the document → section → policy tree; a policy's text, data,
  coverage, audit results and red-team records.
- ``/review``: the newest data set's items, filtered and paginated; decisions are stored as
  pending (``StudioDB.add_decision``) and published as a review artifact through
  ``framers.review.record_review``, exactly like ``alignment-studio review import``.
- ``/chat``, ``/compare`` (two models side by side, graded into ``StudioDB.add_grade``),
  ``/redteam`` (graded attempts become red-team records; failures can be promoted).
- ``/stages`` (admin): frame / instruct / audit / run as background jobs (``jobs.py``).
- ``/report``: the latest ``DIR/reports/report.html``.

One module per feature (files, policies, review, chat, redteam, stages), each with its own
router; ``common`` holds what they share.

Every page needs a signed-in viewer (others are sent to /login); JSON under ``/ui/api`` answers
401 instead. Changes need the reviewer role (stages: admin) and, with a session, the CSRF token:
a hidden ``csrf`` field in forms, the ``X-CSRF-Token`` header from scripts.
"""

from fastapi import APIRouter

from alignment_studio.server.web import chat, files, policies, redteam, review, stages
from alignment_studio.server.web.common import STATIC
from alignment_studio.server.web.files import static_path

router = APIRouter()
for feature in (files, policies, review, chat, redteam, stages):
    router.include_router(feature.router)

__all__ = ["STATIC", "router", "static_path"]
