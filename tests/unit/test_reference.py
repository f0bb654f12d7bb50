"""The README's field reference is generated; it must match the CRD the code builds."""

from pathlib import Path

from troupe.cli.reference import BEGIN, END, FRAMEWORKS_END, embed, load_examples, markdown

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


def test_readme_reference_and_framework_table_are_current():
    text = README.read_text()
    assert BEGIN in text and END in text and FRAMEWORKS_END in text
    examples = load_examples(REPO / "examples")
    assert embed(text, examples) == text, "README is stale: run `make crds`"


def test_framework_table_shows_each_frameworks_variables():
    examples = load_examples(REPO / "examples")
    table = embed(README.read_text(), examples)
    row = next(line for line in table.splitlines() if line.startswith("| `pytorch`"))
    assert "`MASTER_ADDR`" in row and "master Ready" in row


def test_reference_lists_every_role_field_with_its_description():
    table = markdown()
    for field in (
        "spec.roles[].dependsOn[].condition",
        "spec.runPolicy.backoffLimit",
        "spec.roles[].restartPolicy",
    ):
        row = next(line for line in table.splitlines() if f"`{field}`" in line)
        assert row.count("|") >= 4 and row.split("|")[3].strip(), row


def test_framework_table_lists_every_role_the_framework_knows():
    # the tensorflow example has chief and worker only; ps and evaluator are real roles too
    table = embed(README.read_text(), load_examples(REPO / "examples"))
    row = next(line for line in table.splitlines() if line.startswith("| `tensorflow`"))
    for role in ("**chief** (OnFailure; after: ps Ready)", "**worker**", "**ps**", "**evaluator**"):
        assert role in row, row
