"""report.html and its SVG charts: structure, escaping, links, and a real headless browser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

import browser as browser_helper
from alignment_studio.auditors.report import plots
from alignment_studio.auditors.report.html import policy_anchor, render_html, write_html
from alignment_studio.core.errors import StudioError
from alignment_studio.scoring.stats import wilson
from alignment_studio.types import (
    Agreement,
    AttackOutcome,
    AuditReport,
    Finding,
    Interval,
    JudgeReport,
    LineageEntry,
    Message,
    ModelRef,
    PolicyScores,
    RateScore,
    RedTeamReport,
    Score,
    SideBySide,
    SideBySideRow,
)
from browser import REQUIRE_ENV, BrowserPage, chromium_page, require_chromium

REPO = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
PAYLOAD = "<script>alert(1)</script>"
IMG_PAYLOAD = '<img src="x" onerror="window.__pwned = 1">'
P1, P2 = "guidelines/gifts/p-aaa111", "guidelines/insider/p-bbb222"
P3 = 'weird/<b>"x"</b>'  # policy IDs come from user files: untrusted
TEXTS = {P1: "Employees must not accept gifts worth more than $50.",
         P2: "Inside information stays confidential, including from family.",
         P3: "Report conflicts of interest to <legal> & compliance."}


# -- plots ---------------------------------------------------------------------------------------

def _svg(text: str) -> ET.Element:
    """Parse as XML (so the chart is well-formed) and check what every chart must carry."""
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert float(root.attrib["width"]) > 0 and float(root.attrib["height"]) > 0
    assert root.attrib["aria-label"] and root.find(f"{SVG}title") is not None
    return root


def _with_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}{tag}") if cls in el.attrib.get("class", "").split()]


def _texts(root: ET.Element) -> list[str]:
    """What each <text> shows, leaving out its hover <title>."""
    return [((el.text or "") + "".join(c.tail or "" for c in el)).strip()
            for el in root.iter(f"{SVG}text")]


def test_colour_scale_hits_the_viridis_stops_and_clamps() -> None:
    assert plots.colour(0.0) == "#440154"
    assert plots.colour(0.5) == "#21918c"
    assert plots.colour(1.0) == "#fde725"
    assert plots.colour(-3.0) == "#440154" and plots.colour(7.0) == "#fde725"
    # 0.35 is 40% of the way from the 0.25 stop (59, 82, 139) to the 0.5 stop (33, 145, 140)
    assert plots.colour(0.35) == "#316b8b"
    assert plots.colour(5.0, low=0.0, high=10.0) == "#21918c"


def test_ticks_are_round_and_cover_the_domain() -> None:
    assert plots.ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert plots.ticks(-0.5, 1.0) == [-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0]
    assert plots.domain([0.3, 0.9]) == (0.0, 1.0)
    assert plots.domain([-0.23, 1.04]) == (-0.3, 1.1)


def test_heatmap_draws_every_cell_and_missing_ones_distinctly() -> None:
    svg = plots.heatmap("Compliance", [P1, P3], ["accuracy · base", "accuracy · aligned"],
                        [[0.25, None], [1.0, 0.5]])
    root = _svg(svg)
    cells = _with_class(root, "rect", "cell")
    missing = _with_class(root, "rect", "missing")
    assert len(cells) == 4 and len(missing) == 1
    assert missing[0].attrib["fill"] == plots.MISSING_FILL
    assert {c.attrib["fill"] for c in cells if c not in missing} == {
        plots.colour(0.25), plots.colour(1.0), plots.colour(0.5)}
    texts = _texts(root)
    assert {"0.25", "1.00", "0.50", "n/a"} <= set(texts)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    taller = _svg(plots.heatmap("Compliance", ["a", "b", "c"], ["x"], [[0.1], [0.2], [None]]))
    shorter = _svg(plots.heatmap("Compliance", ["a", "b"], ["x"], [[0.1], [0.2]]))
    assert float(taller.attrib["height"]) - float(shorter.attrib["height"]) == plots.CELL_H


def test_heatmap_rejects_a_ragged_grid() -> None:
    with pytest.raises(ValueError, match="2 rows of 2 columns"):
        plots.heatmap("t", ["a", "b"], ["x", "y"], [[0.1, 0.2], [0.3]])


def _height(rect: ET.Element) -> float:
    return float(rect.attrib["height"])


def test_grouped_bars_are_proportional_with_interval_error_bars() -> None:
    half = Score(metric="acc", value=0.5, n=20, ci=Interval(low=0.25, high=0.75))
    full = Score(metric="acc", value=1.0, n=20)
    quarter = Score(metric="rouge", value=0.25, n=8)
    root = _svg(plots.grouped_bars("Suites", ["accuracy", "ROUGE-L"], ["base", "aligned"],
                                   [[half, full], [None, quarter]]))
    bars = _with_class(root, "rect", "bar")
    assert len(bars) == 3  # the missing score is not drawn as a bar of height 0
    h_half, h_full, h_quarter = (_height(b) for b in bars)
    assert h_half == pytest.approx(h_full / 2, abs=0.1)
    assert h_quarter == pytest.approx(h_full / 4, abs=0.1)
    [error] = _with_class(root, "line", "errorbar")
    span = float(error.attrib["y1"]) - float(error.attrib["y2"])  # 0.25 .. 0.75 of the axis
    assert span == pytest.approx(h_full / 2, abs=0.1)
    assert "n/a" in _texts(root)
    assert [b.attrib["fill"] for b in bars] == [plots.VARIANT_COLOURS["base"],
                                                plots.VARIANT_COLOURS["aligned"],
                                                plots.VARIANT_COLOURS["aligned"]]


def test_a_variant_keeps_its_colour_whatever_else_is_drawn() -> None:
    assert plots.series_colours(["base", "aligned"]) == ["#7f7f7f", "#0072b2"]
    assert plots.series_colours(["base", "base+prompt", "aligned", "mine", "yours"]) == [
        "#7f7f7f", "#e69f00", "#0072b2", plots.OTHER_COLOURS[0], plots.OTHER_COLOURS[1]]
    assert len(plots.series_colours([f"m{i}" for i in range(9)])) == 9


def test_attack_success_has_a_bar_and_wilson_bar_per_rate() -> None:
    def rate(key: str, hits: int, n: int) -> RateScore:
        return RateScore(key=key, n=n, successes=hits, rate=hits / n, ci=wilson(hits, n))

    svg = plots.attack_success({"base": [rate("roleplay", 6, 10), rate(PAYLOAD, 3, 10)],
                                "aligned": [rate("roleplay", 2, 10)]})
    root = _svg(svg)
    assert len(_with_class(root, "rect", "bar")) == 3
    assert len(_with_class(root, "line", "errorbar")) == 3
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "n/a" in _texts(root)  # the aligned model was not attacked with the second strategy


def test_interval_dots_place_each_score_on_a_shared_axis() -> None:
    kappa = Score(metric="kappa", value=-0.2, n=30, ci=Interval(low=-0.5, high=0.1))
    accuracy = Score(metric="accuracy", value=0.8, n=30, ci=Interval(low=0.7, high=0.9))
    root = _svg(plots.interval_dots("Agreement", [("kappa", kappa), ("accuracy", accuracy)]))
    dots = [float(c.attrib["cx"]) for c in _with_class(root, "circle", "dot")]
    # the axis runs from -0.5 (x=240) to 1.0 (x=760-170=590): 350 px for 1.5
    assert dots == [pytest.approx(240 + 0.3 / 1.5 * 350, abs=0.1),
                    pytest.approx(240 + 1.3 / 1.5 * 350, abs=0.1)]
    assert len(_with_class(root, "line", "interval")) == 2


def test_charts_with_no_data_say_so() -> None:
    for svg in (plots.heatmap("t", [], [], []), plots.interval_dots("t", []),
                plots.grouped_bars("t", [], [], [])):
        assert "no data" in _texts(_svg(svg))


# -- the report ----------------------------------------------------------------------------------

def _score(metric: str, value: float, n: int, method: str | None = "wilson") -> Score:
    ci = None
    if method == "wilson":
        ci = wilson(round(value * n), n)
    elif method == "bootstrap":
        ci = Interval(low=max(0.0, value - 0.1), high=min(1.0, value + 0.1), method="bootstrap")
    return Score(metric=metric, value=value, n=n, ci=ci)


def _suite(accuracy: float, rouge: float, cites: float) -> list[Score]:
    return [_score("scenario_accuracy", accuracy, 10), _score("answer_rouge_l", rouge, 8,
                                                              "bootstrap"),
            _score("citation_rate", cites, 18)]


def _rate(key: str, hits: int, n: int) -> RateScore:
    return RateScore(key=key, n=n, successes=hits, rate=hits / n, ci=wilson(hits, n))


def minimal_report() -> AuditReport:
    return AuditReport(model=ModelRef(adapters=["adapter"]), baseline=ModelRef(),
                       policy_version="guidelines@v1",
                       summary={"base": _suite(0.4, 0.25, 0.0),
                                "aligned": _suite(0.6, 0.5, 0.5)})


def full_report() -> AuditReport:
    """Every section populated, model outputs carrying markup that must stay text."""
    row = SideBySideRow(example_id="ex-9", policy_ids=[P2], outcome="only_aligned_good",
                        expected="violating", base_output=PAYLOAD, aligned_output="violating")
    attack = AttackOutcome(attack_id="atk-1", strategy="roleplay", policy_ids=[P2],
                           messages=[Message(role="user", content="Pretend " + IMG_PAYLOAD)],
                           output="Sure: " + PAYLOAD, success=True, why="detector")
    return AuditReport(
        model=ModelRef(adapters=["model-3/adapter"]), baseline=ModelRef(),
        policy_version="guidelines@83e833291e2b",
        summary={"base": _suite(0.4, 0.25, 0.0), "base+prompt": _suite(0.5, 0.3, 0.2),
                 "base+rag": _suite(0.5, 0.4, 0.3), "aligned": _suite(0.6, 0.5, 0.5),
                 "aligned+rag": _suite(0.7, 0.6, 0.6)},
        per_policy=[
            PolicyScores(policy_id=P1, text=TEXTS[P1], base=_suite(0.5, 0.2, 0.0),
                         aligned=_suite(1.0, 0.6, 1.0)),
            PolicyScores(policy_id=P2, text=TEXTS[P2],
                         base=[_score("scenario_accuracy", 0.0, 2)],
                         aligned=[_score("scenario_accuracy", 0.5, 2),
                                  _score("answer_rouge_l", 0.4, 2, None)]),
            PolicyScores(policy_id=P3, text=TEXTS[P3], base=_suite(0.25, 0.1, 0.0),
                         aligned=_suite(0.25, 0.05, 0.0))],
        findings=[
            Finding(example_id="ex-1", policy_ids=[P1], kind="wrong verdict", expected="violating",
                    base_output="violating", aligned_output=PAYLOAD, note="base was right",
                    policy_text=TEXTS[P1], training_examples=["train-1", "train-2"]),
            Finding(example_id="ex-2", policy_ids=[P3], kind="less faithful answer",
                    expected="Tell legal.", base_output="Tell legal and compliance.",
                    aligned_output=IMG_PAYLOAD, note="ROUGE-L 0.05 vs base 0.10",
                    policy_text=TEXTS[P3])],
        confusion={"base": {"compliant": {"compliant": 2, "violating": 2},
                            "violating": {"compliant": 3, "none": 1},
                            "needs_info": {"none": 2}},
                   "aligned": {"compliant": {"compliant": 3, "violating": 1},
                               "violating": {"violating": 2, "none": 2},
                               "needs_info": {"needs_info": 1, "compliant": 1}}},
        side_by_side=SideBySide(
            counts={"both_good": 4, "only_unaligned_good": 1, "only_aligned_good": 3,
                    "both_fail": 2},
            per_policy={P1: {"both_good": 3, "only_aligned_good": 1},
                        P2: {"both_good": 1, "only_unaligned_good": 1, "only_aligned_good": 2,
                             "both_fail": 2}},
            examples={"only_aligned_good": [row]}),
        general={"base": [_score("general_accuracy", 0.3, 40)],
                 "aligned": [_score("general_accuracy", 0.275, 40)]},
        judge=JudgeReport(
            judge="embedded",
            rubric={"base": [_score("faithfulness", 2.5, 8, None), _score("pass_rate", 0.25, 8)],
                    "aligned": [_score("faithfulness", 3.75, 8, None),
                                _score("pass_rate", 0.625, 8)]},
            pairwise={"aligned_wins": 5, "base_wins": 2, "ties": 1, "inconsistent": 0},
            calibration=Agreement(n=30, accuracy=_score("accuracy", 0.8, 30),
                                  kappa=Score(metric="kappa", value=-0.1, n=30,
                                              ci=Interval(low=-0.4, high=0.2, method="bootstrap")),
                                  flip_rate=_score("flip_rate", 0.1, 30)),
            cost={"items": 16, "seconds": 12.5, "prompt_tokens": 9000, "malformed": 1}),
        redteam=RedTeamReport(
            per_strategy={"base": [_rate("roleplay", 6, 10), _rate("prefix", 3, 10)],
                          "aligned": [_rate("roleplay", 2, 10), _rate("prefix", 1, 10)]},
            per_policy={"base": [_rate(P2, 5, 10)], "aligned": [_rate(P2, 1, 10)]},
            overall={"base": _rate("all", 9, 20), "aligned": _rate("all", 3, 20)},
            outcomes={"aligned": [attack]},
            human=[{"tester": "ana", "prompt": PAYLOAD, "verdict": "violating"}]),
        detector={"accuracy": 0.9, "f1": 0.85, "n": 40.0},
        training_eval=[{"step": 10.0, "loss": 1.25, "scenario_accuracy": 0.4},
                       {"step": 20.0, "loss": 0.75, "scenario_accuracy": 0.55}],
        variants={"base": "the unaligned model", "aligned": "base + LoRA adapter",
                  "base+rag": "base with the guidelines retrieved into the prompt"},
        conflicts={"base": {"all": [_score("precedence_accuracy", 0.0, 4)]},
                   "aligned": {"all": [_score("precedence_accuracy", 0.5, 4),
                                       _score("cites_both", 0.25, 4)]}},
        config={"workspace": "acme", "version": 3, "date": "2025-01-31"},
        lineage=[LineageEntry(artifact="document-1", kind="document", sha256="a" * 64,
                              inputs=["file:guidelines.md"]),
                 LineageEntry(artifact="dataset-2", kind="dataset", sha256="b" * 64,
                              inputs=["document-1"]),
                 LineageEntry(artifact="model-3", kind="model", sha256="c" * 64,
                              inputs=["dataset-2"])])


class _Page(HTMLParser):
    """The parts of the page the tests check: ids, links, tags, text per element id."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name == "href" and value:
                self.hrefs.append(value)
            if name in ("src", "srcset", "poster", "action", "data") or name.startswith("on"):
                self.urls.append(f"{name}={value}")


def _section(text: str, sid: str) -> str:
    match = re.search(rf'<section id="{sid}">(.*?)</section>', text, re.S)
    assert match, f"no section {sid}"
    return match.group(1)


def test_full_report_has_every_section_and_no_dangling_link() -> None:
    text = render_html(full_report(), TEXTS, {P3: ["train-7"]})
    page = _Page(text)
    for sid in ("summary", "charts", "per-policy", "domain", "side-by-side", "general", "judge",
                "redteam", "detector", "training", "conflicts", "findings", "policies",
                "lineage"):
        assert sid in page.ids
        assert "Not run" not in _section(text, sid)
    assert len(page.ids) == len(set(page.ids))
    assert all(h.startswith("#") and h[1:] in page.ids for h in page.hrefs)
    # bars, heat map and interval dots of the suites; attack success; judge agreement
    assert len(re.findall(r"<svg ", text)) == 5
    assert "2025-01-31" in text and "guidelines@83e833291e2b" in text


def test_report_is_self_contained_and_output_is_inert() -> None:
    text = render_html(full_report(), TEXTS)
    page = _Page(text)
    assert "script" not in page.tags and "img" not in page.tags
    assert page.urls == []  # no src, no inline event handler, nothing to fetch
    assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) == {"http://www.w3.org/2000/svg"}
    assert "url(" not in text and "@import" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';" in text


def test_findings_link_to_their_policy_and_list_their_training_data() -> None:
    text = render_html(full_report(), TEXTS, {P3: ["train-7", "train-8"]})
    findings = re.findall(r'<article class="finding" id="(finding-\d+)">(.*?)</article>', text,
                          re.S)
    assert [f[0] for f in findings] == ["finding-1", "finding-2"]
    assert f'href="#{policy_anchor(P1)}"' in findings[0][1]
    assert "<code>train-1</code> <code>train-2</code>" in findings[0][1]
    assert "Trained by 2 items" in findings[1][1] and "<code>train-8</code>" in findings[1][1]
    assert "Trained by 2 items" in findings[0][1]
    policy = re.search(rf'<article class="policy" id="{policy_anchor(P3)}">(.*?)</article>',
                       text, re.S)
    assert policy and "Report conflicts of interest to &lt;legal&gt; &amp; compliance." in (
        policy.group(1))
    assert 'href="#finding-2"' in policy.group(1)


def test_numbers_are_the_reports_own() -> None:
    text = render_html(full_report(), TEXTS)
    summary = _section(text, "summary")
    row = re.search(r"<th>scenario accuracy</th>(.*?)</tr>", summary, re.S)
    assert row is not None
    # base 0.4, base+prompt 0.5, base+rag 0.5, aligned 0.6, aligned+rag 0.7; change 0.6 - 0.4
    assert re.findall(r">(\d\.\d{3})<span", row.group(1)) == [
        "0.400", "0.500", "0.500", "0.600", "0.700"]
    assert row.group(1).endswith('<td class="num up">+0.200</td>')
    domain = _section(text, "domain")
    assert "accuracy 0.600 (6/10)" in domain  # aligned: 3 + 2 + 1 right of 10
    assert "accuracy 0.200 (2/10)" in domain  # base: only 2 compliant right
    sbs = _section(text, "side-by-side")
    assert "<th>both good</th><td class=\"num\">4</td><td class=\"num\">40.0%</td>" in sbs


def test_minimal_report_renders_with_sections_not_run() -> None:
    report = minimal_report()
    text = render_html(report)
    for sid in ("domain", "side-by-side", "general", "judge", "redteam", "detector",
                "training", "conflicts", "per-policy"):
        assert "Not run" in _section(text, sid)
    assert "policies" not in _Page(text).ids
    assert "No findings" in _section(text, "findings")
    assert len(re.findall(r"<svg ", text)) == 2  # bars and the interval dots


def test_empty_optional_parts_do_not_crash() -> None:
    nan = Score(metric="scenario_accuracy", value=float("nan"), n=0)
    report = minimal_report().model_copy(update={
        "judge": JudgeReport(judge="j"), "redteam": RedTeamReport(per_strategy={"base": []}),
        "side_by_side": SideBySide(), "summary": {"aligned": [nan]},
        "confusion": {"aligned": {"compliant": {}}}})
    text = render_html(report)
    assert "Not run: no human-labelled gold set." in _section(text, "judge")
    assert "Not run" in _section(text, "side-by-side")
    assert "accuracy – (0/0)" in _section(text, "domain")
    assert "nan" in _section(text, "summary")  # shown as it is, not hidden as a number


def test_policy_anchor_is_a_safe_unique_id() -> None:
    ids = ["a/b", "a.b", P3, "", "ü" * 80]
    anchors = [policy_anchor(i) for i in ids]
    assert len(set(anchors)) == len(ids)
    assert all(re.fullmatch(r"policy-[A-Za-z0-9_-]+", a) for a in anchors)
    assert policy_anchor("a/b") == policy_anchor("a/b")


def test_write_html_writes_report_html(tmp_path: Path) -> None:
    path = write_html(minimal_report(), tmp_path / "reports")
    assert path == tmp_path / "reports" / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StudioError, match=r"file: cannot write report.html"):
        write_html(minimal_report(), blocker)


# -- in a real browser ---------------------------------------------------------------------------

@pytest.fixture()
def browser() -> Iterator[BrowserPage]:
    with chromium_page() as seen:
        yield seen


def test_missing_browser_skips_unless_ci_requires_it(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(browser_helper, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium"):
        require_chromium()
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="so this is an error"):
        require_chromium()


def test_the_browser_records_what_a_report_must_never_do(browser: BrowserPage,
                                                         tmp_path: Path) -> None:
    """The recorder itself: a page that fetches, throws and alerts is caught at each."""
    bad = tmp_path / "bad.html"
    bad.write_text('<img src="http://127.0.0.1:9/pixel.png"><script>alert("hi");'
                   'throw new Error("boom")</script>', encoding="utf-8")
    browser.page.goto(bad.as_uri(), wait_until="load")
    assert browser.requests[0] == bad.as_uri()
    assert "http://127.0.0.1:9/pixel.png" in browser.requests
    assert browser.dialogs == ["hi"]
    assert any("boom" in e for e in browser.page_errors)


def test_report_in_headless_chromium(browser: BrowserPage, tmp_path: Path) -> None:
    path = write_html(full_report(), tmp_path, TEXTS, {P3: ["train-7"]})
    url = path.as_uri()
    page = browser.page
    page.goto(url, wait_until="load")

    assert browser.console_errors == [] and browser.page_errors == []
    assert browser.requests == [url]
    assert browser.dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("#findings").get_by_text(PAYLOAD).count() == 1  # shown as text

    charts = page.locator("svg.chart")
    assert charts.count() == 5
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 30

    links = page.locator("article.finding a.policy-link")
    assert links.count() == 2
    for i in range(links.count()):
        target = (links.nth(i).get_attribute("href") or "")[1:]
        assert page.evaluate("id => document.getElementById(id) !== null", target)
    target = (links.nth(1).get_attribute("href") or "")[1:]
    assert target == policy_anchor(P3)
    links.nth(1).click()
    assert page.evaluate("location.hash") == f"#{target}"
    top = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", target)
    assert page.viewport_size is not None
    assert 0 <= top < page.viewport_size["height"]  # scrolled into view

    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
    assert browser.requests == [url]  # clicking and scrolling fetched nothing either
