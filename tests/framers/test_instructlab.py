"""InstructLab taxonomy qna.yaml files imported as qa seeds, on the real 18F documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.instructlab import load_instructlab_qna
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.stages.init import init_workspace
from alignment_studio.types import PolicyDocument
from alignment_studio.workspace import StudioConfig
from cli_run import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "instructlab"
KNOWLEDGE = FIXTURES / "knowledge" / "technology" / "security" / "passwords" / "qna.yaml"
SKILLS = (FIXTURES / "compositional_skills" / "grounded" / "workplace" / "password_advice" /
          "qna.yaml")

# Question (start) -> words of the statement of password-requirements.md it is about, by hand.
EXPECTED = {
    "How am I supposed to keep track": "use a password manager to store your passwords",
    "If I use a password manager, which": "you only need to memorize a few strong passwords",
    "Do I need to memorize my iCloud": "you only need to memorize a few strong passwords",
    "Which password manager does TTS": "We recommend using KeePassXC",
    "Where do I get KeePassXC": "install KeePassXC from the GSA Self-Service app",
    "Where is my KeePassXC password database": "database is stored locally",
    "Can my password manager create": "generate a random unique password",
    "Is there a password generator built": "OS X also has a local password generator",
    "A site asks for my mother's maiden": "random nonsense answers",
    "Which do security experts consider": "experts considered unique passwords",
    "Can I reuse my Amazon password": "don't use your Amazon password as your ENT",
    "Is it fine to use the same password": "same password for Slack and ENT",
    "Can I use my dog's name": "hard to guess even for people who know you",
    "Is a longer password really better": "Use longer passwords rather than shorter",
    "My favorite TV show has a long title": "hard to guess even for people who know you",
}


@pytest.fixture(scope="module")
def documents(policies_18f: list[Path]) -> list[PolicyDocument]:
    return [read_document(p) for p in policies_18f]


def expected_phrase(question: str) -> str:
    return next(v for k, v in EXPECTED.items() if question.startswith(k))


def test_knowledge_file_resolves_every_qa_to_the_right_policy(
        documents: list[PolicyDocument]) -> None:
    seeds = load_seeds(KNOWLEDGE, documents)  # dispatched on the file name
    assert len(seeds.instruction) == 15 and not seeds.skipped
    for seed, policy in seeds.instruction:
        assert seed.task == "qa" and seed.policy == policy.id
        assert policy.id.startswith("password-requirements/")
        assert expected_phrase(seed.question or "") in policy.text, (seed.question, policy.text)
    assert len({s.id for s, _ in seeds.instruction}) == 15


def test_skills_file_resolves_grounded_items_and_skips_off_policy_ones(
        documents: list[PolicyDocument]) -> None:
    seeds = load_instructlab_qna(SKILLS, documents)
    by_question = {s.question: p.text for s, p in seeds.instruction}
    assert len(by_question) == 4
    texts = list(by_question.values())
    assert "reusing any passwords from your personal life" in texts[0]
    assert "install KeePassXC from the GSA Self-Service app" in texts[1]
    assert "security questions" in texts[2]
    assert "birthday, university, pet's name" in texts[3]
    assert len(seeds.skipped) == 1
    skipped = seeds.skipped[0]
    assert skipped.stage == "seed" and skipped.text == "What is the capital of Australia?"
    line = SKILLS.read_text().splitlines().index("  - question: What is the capital of "
                                                 "Australia?") + 1
    assert f"{SKILLS}:{line}:" in skipped.reason and "matches no policy" in skipped.reason


def test_seed_examples_key_dispatches_any_file_name(tmp_path: Path,
                                                   documents: list[PolicyDocument]) -> None:
    path = tmp_path / "password-skill.yaml"
    path.write_text(SKILLS.read_text())
    assert len(load_seeds(path, documents).instruction) == 4


def write(tmp_path: Path, text: str, folder: str = "knowledge") -> Path:
    path = tmp_path / folder / "leaf" / "qna.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_missing_seed_examples_names_the_file_and_line(tmp_path: Path,
                                                       documents: list[PolicyDocument]) -> None:
    text = KNOWLEDGE.read_text()
    head = text[:text.index("seed_examples:")]
    path = write(tmp_path, head + text[text.index("document:\n"):])
    with pytest.raises(StudioError, match=rf"{path}:1: seed_examples: Field required"):
        load_instructlab_qna(path, documents)


def test_wrong_version_names_the_line(tmp_path: Path, documents: list[PolicyDocument]) -> None:
    path = write(tmp_path, KNOWLEDGE.read_text().replace("version: 3", "version: 4"))
    with pytest.raises(StudioError, match=rf"{path}:1: version: 4 is not a qna.yaml schema "
                                          r"version this reads \(1, 2, 3\)"):
        load_seeds(path, documents)
    skill = write(tmp_path, SKILLS.read_text().replace("version: 2", "version: two"),
                  "compositional_skills")
    with pytest.raises(StudioError, match=rf"{skill}:1: version: 'two' is not"):
        load_seeds(skill, documents)


def test_a_version_3_file_labelled_version_1_is_checked_as_version_1(
        tmp_path: Path, documents: list[PolicyDocument]) -> None:
    """Version 1 knowledge has flat pairs and a task description, not contexts and an outline:
    the first key the older schema lacks is named."""
    path = write(tmp_path, KNOWLEDGE.read_text().replace("version: 3", "version: 1"))
    with pytest.raises(StudioError, match=rf"{path}:1: task_description: Field required"):
        load_seeds(path, documents)


# The older schemas, each a realistic file on other 18F pages: (file, policy document, the
# statement words each Q&A is about by hand, the line of each item that must be skipped).
OLDER = {
    "knowledge v1 (no version)": (
        FIXTURES / "knowledge" / "technology" / "security" / "incident_reporting" / "qna.yaml",
        "security-incidents", ["DO NOT turn off your computer", "within 1 hour",
                               "never be shared in Slack", "do not attach the information"],
        ["  - question: What year was the first computer virus written?"]),
    "knowledge v2": (
        FIXTURES / "knowledge" / "hr" / "compensation" / "overtime" / "qna.yaml", "overtime",
        ["supervisor approval", "Comp time expires", "flexible work schedules",
         "up to 24 credit hours", "comp time before using Annual Leave"], []),
    "skills v1 (no version)": (
        FIXTURES / "compositional_skills" / "writing" / "freeform" / "password_tips" /
        "qna.yaml", "password-requirements",
        ["instead of reusing any passwords", "Use longer passwords"],
        ["  - question: Write a haiku about autumn."]),
}


@pytest.mark.parametrize("name", list(OLDER))
def test_older_schemas_import_and_skip_off_policy_items(name: str,
                                                        documents: list[PolicyDocument]) -> None:
    path, document, phrases, skipped_lines = OLDER[name]
    seeds = load_seeds(path, documents)
    assert [s.task for s, _ in seeds.instruction] == ["qa"] * len(phrases)
    for (seed, policy), phrase in zip(seeds.instruction, phrases, strict=True):
        assert policy.id.startswith(f"{document}/") and seed.policy == policy.id
        assert phrase in policy.text, (seed.question, policy.text)
    lines = path.read_text().splitlines()
    assert [d.reason.split(": Q&A")[0] for d in seeds.skipped] == [
        f"{path}:{lines.index(line) + 1}" for line in skipped_lines]


def test_version_2_knowledge_needs_a_task_description_and_version_1_does_not(
        tmp_path: Path, documents: list[PolicyDocument]) -> None:
    v2 = OLDER["knowledge v2"][0].read_text()
    start, end = v2.index("task_description:"), v2.index("seed_examples:")
    empty = v2[:start] + "task_description: ''\n" + v2[end:]
    path = write(tmp_path, empty)
    line = empty.splitlines().index("task_description: ''") + 1
    with pytest.raises(StudioError, match=rf"{path}:{line}: task_description: String should "
                                          "have at least 1 character"):
        load_seeds(path, documents)
    path.write_text(empty.replace("version: 2\n", ""))
    assert len(load_seeds(path, documents).instruction) == 5


def test_a_version_1_knowledge_item_is_closed(tmp_path: Path,
                                              documents: list[PolicyDocument]) -> None:
    """Unlike version 3, whose Q&A items are open, a version 1 or 2 item has only question and
    answer: a context there is named as an unknown key at its line."""
    text = OLDER["knowledge v2"][0].read_text().replace(
        "  - question: When does comp time expire?\n",
        "  - question: When does comp time expire?\n    context: Comp time expires.\n")
    path = write(tmp_path, text)
    line = text.splitlines().index("    context: Comp time expires.") + 1
    with pytest.raises(StudioError, match=rf"{path}:{line}: seed_examples.1.context: unknown key"):
        load_seeds(path, documents)


def test_missing_question_names_the_line_of_the_pair(tmp_path: Path,
                                                     documents: list[PolicyDocument]) -> None:
    text = KNOWLEDGE.read_text().replace(
        "      - question: Where do I get KeePassXC on my work laptop?\n        answer:",
        "      - answer:")
    path = write(tmp_path, text)
    line = text.splitlines().index("      - answer: You can install KeePassXC from the GSA "
                                   "Self-Service app.") + 1
    with pytest.raises(StudioError) as info:
        load_instructlab_qna(path, documents)
    assert f"{path}:{line}: seed_examples.1.questions_and_answers.1.question: Field required" \
        in str(info.value)


def test_unknown_key_and_a_file_matching_nothing(tmp_path: Path,
                                                 documents: list[PolicyDocument]) -> None:
    path = write(tmp_path, SKILLS.read_text().replace("created_by:", "author: x\ncreated_by:"),
                 "compositional_skills")
    with pytest.raises(StudioError, match=rf"{path}:2: author: unknown key"):
        load_instructlab_qna(path, documents)
    offtopic = ("version: 3\ncreated_by: me\ntask_description: trivia\nseed_examples:\n"
                "  - question: What is the capital of Australia?\n    answer: Canberra.\n"
                "  - question: Who wrote Hamlet?\n    answer: William Shakespeare.\n")
    path = write(tmp_path, offtopic, "compositional_skills")
    with pytest.raises(StudioError, match=rf"{path}:4: none of the 2 Q&A pairs matches"):
        load_instructlab_qna(path, documents)


def test_frame_prints_one_line_per_skipped_item(tmp_path: Path, policies_18f: list[Path]) -> None:
    """Taxonomy files of every schema as seeds of a workspace: framing prints each Q&A that
    matches no policy on one line, with file:line, and imports the rest."""
    files = [KNOWLEDGE, SKILLS, *(v[0] for v in OLDER.values())]
    pages = [p for p in policies_18f if p.stem in (
        "password-requirements", "security-incidents", "overtime")]
    config = StudioConfig(name="ilab", organization="TTS")
    config.frame.teacher_policies = 0
    init_workspace(tmp_path / "ws", pages, files, config)
    result = cli("frame", tmp_path / "ws")
    assert result.returncode == 0, result.stderr
    skipped = [x for x in result.stderr.splitlines() if x.startswith("frame: skipped ")]
    expected = [(SKILLS, "  - question: What is the capital of Australia?")] + [
        (path, line) for path, _, _, lines in OLDER.values() for line in lines]
    assert skipped == [
        f"frame: skipped {path}:{path.read_text().splitlines().index(line) + 1}: Q&A "
        f"'ilab-{path.parent.name.replace('_', '-')}-{n}' matches no policy (question and "
        "answer share too few words with every policy)"
        for (path, line), n in zip(expected, (5, 5, 3), strict=True)]
