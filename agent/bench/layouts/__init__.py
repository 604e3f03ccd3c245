"""One module per benchmark layout. Each has NAME, DESCRIPTION (how to recognise it), `looks_like(root)` and
`load(root) -> (tasks, problems)`, where each problem line names a task left out and why."""
