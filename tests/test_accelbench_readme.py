"""AccelBench README: every task folder is in its task table and its mutation table, and every adjusted
mutation score the README lists reaches the bar (0.9). Reads Markdown only: no simulator."""

from pathlib import Path

ACCELBENCH = Path(__file__).parent.parent / "datasets" / "accelbench"
README = ACCELBENCH / "README.md"
BAR = 0.9


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table in `text`: a list of rows (header first, the |---| line left out), each a list of cells."""
    found, current = [], []
    for line in text.splitlines() + [""]:
        if line.strip().startswith("|"):
            cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def task_folders() -> set[str]:
    return {p.name for p in ACCELBENCH.iterdir() if (p / "task.json").is_file()}


def table_with(columns: set[str]) -> list[list[str]]:
    for table in tables(README.read_text(encoding="utf-8")):
        if columns <= {c.lower() for c in table[0]}:
            return table
    raise AssertionError(f"README.md has no table with the columns {sorted(columns)}")


def test_every_task_folder_is_in_the_task_table():
    table = table_with({"id", "top", "category", "difficulty"})
    listed = {row[0] for row in table[1:]}
    assert len(task_folders()) == 30
    assert task_folders() <= listed, f"missing from the README task table: {sorted(task_folders() - listed)}"
    assert listed <= task_folders(), f"README task table lists unknown tasks: {sorted(listed - task_folders())}"


def test_every_adjusted_score_reaches_the_bar():
    table = table_with({"task", "adjusted"})
    header = [c.lower() for c in table[0]]
    column = header.index("adjusted")
    scores = {row[0]: row[column] for row in table[1:]}
    assert task_folders() <= set(scores), f"missing from the README mutation table: {sorted(task_folders() - set(scores))}"
    low = {task: value for task, value in scores.items() if not value.replace(".", "", 1).isdigit() or float(value) < BAR}
    assert not low, f"adjusted mutation scores below {BAR} (or not numbers) in the README: {low}"
