"""docs/reference/*.md are generated from schema.yaml by scripts/gen_docs.py: they must not go stale."""

from scripts.gen_docs import GENERATED_MARK, REFERENCE_DIR, render_all


def test_every_reference_page_is_what_gen_docs_generates_now():
    stale = [path.name for path, text in render_all().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"docs/reference is stale ({', '.join(stale)}): run `make docs` and commit the result"


def test_no_generated_page_is_left_over_from_a_removed_resource():
    expected = set(render_all())
    generated = {path for path in REFERENCE_DIR.glob("*.md") if GENERATED_MARK in path.read_text(encoding="utf-8")}
    assert generated <= expected, f"left-over generated pages: {sorted(p.name for p in generated - expected)}"


def test_pages_cover_every_schema_input():
    from pulumi_svix.schema import raw_schema, snake_case

    pages = "\n".join(render_all().values())
    for token, spec in raw_schema()["resources"].items():
        for name in spec["inputProperties"]:
            assert f"| `{snake_case(name)}` |" in pages, f"{token}.{name} is missing from the reference pages"
