"""The README's field reference is generated; it must match the CRD the code builds."""

from pathlib import Path

from troupe.reference import BEGIN, END, embed, markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_reference_matches_the_crd():
    text = README.read_text()
    assert BEGIN in text and END in text
    assert embed(text) == text, "README reference is stale: run `make crds`"


def test_reference_lists_every_role_field_with_its_description():
    table = markdown()
    for field in (
        "spec.roles[].dependsOn[].condition",
        "spec.runPolicy.backoffLimit",
        "spec.roles[].restartPolicy",
    ):
        row = next(line for line in table.splitlines() if f"`{field}`" in line)
        assert row.count("|") >= 4 and row.split("|")[3].strip(), row
