"""The accelerator flow: a whole accelerator as a checked plan of modules, each built by the one loop.

    plan (plan.py, checked by plan_check.py, asked for by planner.py)
      -> modules bottom-up, independent ones at once (build.py; each module's design composed with its
         children's verified files by compose.py)
      -> the top against the system test; a failure localized to one module and only that one
         regenerated (integrate.py, with boundary.py comparing each child's traffic with its model)
      -> cost (cost.py): cycles per job measured in the system test, cells from synthesis
      -> the record (record.py): plan.yaml, modules/NAME/ and system/ in the `generate --out` layout.

`flow.run_accel` runs it all; `aigchip accel` is its command.
"""
