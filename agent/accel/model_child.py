"""Run the plan's cycle models over recorded boundary traffic, as a script in a sandboxed child process.

    python -I model_child.py JOB.json RESULT.json

It imports nothing of aigchip: the models are untrusted code. JOB holds a list of instances, each with the
model's code, its input ports' values per cycle and its output ports' values per cycle (None for x or z).
RESULT gets, per instance, the first cycle where an output the model predicts differs from the recorded one,
or the error the model raised; with "predict": true also every cycle's predicted outputs (None before the
model starts: cycles before every input is known are not stepped) up to the divergence and a few past it.
"""

import json
import sys
import traceback


AFTER = 16  # predicted cycles kept past the first divergence


def step_all(code, inputs, outputs, mask, predict):
    namespace = {"__name__": "plan_model"}
    exec(compile(code, "model.py", "exec"), namespace)
    model = namespace["Model"]()
    started, found, predictions = False, None, []
    for cycle, (given, seen) in enumerate(zip(inputs, outputs)):
        if found is not None and (not predict or cycle > found["cycle"] + AFTER):
            break
        if not started and any(value is None for value in given.values()):
            predictions.append(None)
            continue
        started = True
        predicted = model.step({name: value or 0 for name, value in given.items()}) or {}
        masked = {port: int(value) & mask[port] for port, value in predicted.items()
                  if port in mask and value is not None}
        predictions.append(masked)
        for port, want in masked.items():
            got = seen.get(port)
            if found is None and got != want:
                found = {"cycle": cycle, "port": port, "got": got, "expected": want, "inputs": given}
    return found, (predictions if predict else None)


def main():
    job_path, result_path = sys.argv[1], sys.argv[2]
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    results = []
    for item in job["instances"]:
        try:
            found, predicted = step_all(item["model"], item["inputs"], item["outputs"], item["mask"],
                                        item.get("predict", False))
            results.append({"scope": item["scope"], "divergence": found, "predicted": predicted})
        except Exception:  # noqa: BLE001 - one scope's error is reported for it; the other scopes go on
            lines = traceback.format_exc().strip().splitlines()
            results.append({"scope": item["scope"], "error": " | ".join(lines[-3:])[:600]})
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump({"results": results}, handle)


if __name__ == "__main__":
    main()
