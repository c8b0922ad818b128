"""Export an aligned model: the LoRA adapter alone, or the merged model in Hugging Face layout,
each with a model card that carries the data lineage, the training config and the audit summary.

The merged model is base + adapter folded into plain weights (``merge_and_unload``), saved as
safetensors with its tokenizer and chat template: any transformers, vLLM or TGI server loads it
without PEFT. The adapter-only export is small and needs the same base model beside it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.backends.hf import release_memory, require_hf
from alignment_studio.core.errors import StudioError
from alignment_studio.types import AuditReport, LineageEntry

ExportKind = Literal["adapter", "merged"]


class ModelCard(BaseModel):
    """What the model card states; rendered as README.md with Hugging Face metadata."""

    model_config = ConfigDict(extra="forbid")
    name: str
    base_model: str
    kind: ExportKind
    organization: str
    documents: list[str]
    dataset: str
    dataset_counts: dict[str, int]
    training: dict[str, Any]
    train_log: dict[str, Any]
    lineage: list[LineageEntry]
    audit: dict[str, list[dict[str, Any]]] | None = None
    audited_model: str | None = Field(
        None, description="set when this is the final fit on every policy: the artifact of the "
        "audited fit whose figures the audit section shows")


class ExportResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ExportKind
    path: Path
    files: list[str]
    card: ModelCard


def export_adapter(adapter_dir: Path, out: Path) -> None:
    """Copy the LoRA adapter (adapter_config.json + weights) as it was trained."""
    if not (adapter_dir / "adapter_config.json").is_file():
        raise StudioError("not a LoRA adapter folder (no adapter_config.json)", adapter_dir)
    shutil.copytree(adapter_dir, out, dirs_exist_ok=True)


def export_merged(base_model: str, adapter_dir: Path, out: Path,
                  cache_dir: str | None = None) -> None:
    """Fold the adapter into the base weights; save safetensors, config and tokenizer."""
    require_hf()
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model_path(base_model, cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    merged = PeftModel.from_pretrained(model, adapter_dir, local_files_only=True)
    merged = merged.merge_and_unload()
    merged.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    del merged, model
    release_memory()


def render_card(card: ModelCard) -> str:
    """README.md: Hugging Face metadata, then what the model is aligned to and how it scored."""
    base = card.base_model if card.base_model != "embedded" else (
        "HuggingFaceTB/SmolLM2-135M-Instruct")
    meta = ["---", f"base_model: {base}",
            f"library_name: {'peft' if card.kind == 'adapter' else 'transformers'}",
            "tags: [alignment-studio, lora, policy-alignment]", "---", ""]
    lines = [f"# {card.name}", "",
             f"{'A LoRA adapter for' if card.kind == 'adapter' else 'A merged fine-tune of'} "
             f"`{base}`, aligned with Alignment Studio to the policies of "
             f"{card.organization}.", "", "## Policies", ""]
    lines += [f"- `{d}`" for d in card.documents]
    lines += ["", "## Data", "", f"Dataset artifact `{card.dataset}`:", ""]
    lines += [f"- {k}: {v}" for k, v in sorted(card.dataset_counts.items())]
    lines += ["", "## Training", "", "```json", json.dumps(card.training, indent=1), "```", "",
              f"{card.train_log.get('steps', '?')} steps on {card.train_log.get('examples', '?')}"
              f" examples, losses {_first_last(card.train_log.get('losses', []))}.", ""]
    lines += _audit_lines(card.audit)
    if card.audited_model:
        lines += [f"This model is the final fit on every policy. The audit above scored the "
                  f"audited fit `{card.audited_model}`, trained with the held-out policies "
                  "left out; a final fit cannot be audited on held-out policies.", ""]
    lines += ["## Lineage", "", "| artifact | kind | sha256 | inputs |", "|---|---|---|---|"]
    lines += [f"| `{e.artifact}` | {e.kind} | `{e.sha256[:12]}` | {', '.join(e.inputs)} |"
              for e in card.lineage]
    return "\n".join(meta + lines) + "\n"


def _first_last(losses: list[float]) -> str:
    return f"{losses[0]:.3f} → {losses[-1]:.3f}" if losses else "not logged"


def _audit_lines(audit: dict[str, list[dict[str, Any]]] | None) -> list[str]:
    if not audit:
        return ["## Audit", "", "Not audited yet (`alignment-studio audit DIR`).", ""]
    lines = ["## Audit (held-out policies)", "", "| metric | items | base | aligned |",
             "|---|---:|---:|---:|"]
    base = {s["metric"]: s for s in audit.get("base", [])}
    for score in audit.get("aligned", []):
        other = base.get(score["metric"], {})
        lines.append(f"| {score['metric']} | {score['n']} | {other.get('value', float('nan')):.3f}"
                     f" | {score['value']:.3f} |")
    return lines + [""]


def audit_summary(report: AuditReport | None) -> dict[str, list[dict[str, Any]]] | None:
    if report is None:
        return None
    return {name: [s.model_dump() for s in scores] for name, scores in report.summary.items()}


def write_export(kind: ExportKind, base_model: str, adapter_dir: Path, out: Path,
                 card: ModelCard, cache_dir: str | None = None) -> ExportResult:
    """The adapter or the merged model in ``out``, with README.md (the card) and card.json."""
    if out.exists() and any(out.iterdir()):
        raise StudioError("export folder is not empty; choose another --out or empty it", out)
    out.mkdir(parents=True, exist_ok=True)
    if kind == "adapter":
        export_adapter(adapter_dir, out)
    else:
        export_merged(base_model, adapter_dir, out, cache_dir)
    (out / "README.md").write_text(render_card(card), encoding="utf-8")
    (out / "alignment_card.json").write_text(card.model_dump_json(indent=1), encoding="utf-8")
    return ExportResult(kind=kind, path=out, files=sorted(p.name for p in out.iterdir()),
                        card=card)
