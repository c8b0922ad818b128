"""Export of an ontology: JSON (read back by ``Ontology.model_validate_json``) and GraphML."""

from __future__ import annotations

from alignment_studio.types.ontology import Ontology

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_NODE_KEYS = (("label", "label", "string"), ("category", "category", "string"),
              ("source", "source", "string"), ("policies", "policy_count", "int"),
              ("definition", "definition", "string"))
_EDGE_KEYS = (("type", "type", "string"), ("evidence", "evidence", "string"))


def ontology_to_json(ontology: Ontology) -> str:
    """The ontology as JSON; ``Ontology.model_validate_json`` reads it back."""
    return ontology.model_dump_json(indent=2)


def ontology_to_graphml(ontology: Ontology) -> str:
    """The ontology as GraphML (directed): one node per concept with its label, category,
    source, policy count and definition; one edge per relation with its type and evidence
    (space-separated policy IDs). Graph tools (yEd, Gephi, networkx) open it as is."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    for owner, keys in (("node", _NODE_KEYS), ("edge", _EDGE_KEYS)):
        for key_id, name, kind in keys:
            ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {"id": key_id, "for": owner,
                                                          "attr.name": name, "attr.type": kind})
    graph = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", {"id": "ontology",
                                                            "edgedefault": "directed"})
    for c in ontology.concepts:
        node = ET.SubElement(graph, f"{{{GRAPHML_NS}}}node", {"id": c.id})
        values = {"label": c.label, "category": c.category.value, "source": c.source.value,
                  "policies": str(len(c.policy_ids)), "definition": c.definition}
        for key_id, value in values.items():
            if value is not None:
                ET.SubElement(node, f"{{{GRAPHML_NS}}}data", {"key": key_id}).text = value
    for n, r in enumerate(ontology.relations):
        edge = ET.SubElement(graph, f"{{{GRAPHML_NS}}}edge", {"id": f"e{n}", "source": r.source,
                                                               "target": r.target})
        ET.SubElement(edge, f"{{{GRAPHML_NS}}}data", {"key": "type"}).text = r.type.value
        ET.SubElement(edge, f"{{{GRAPHML_NS}}}data", {"key": "evidence"}).text = " ".join(
            r.evidence)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
