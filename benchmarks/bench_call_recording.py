"""CPU cost of recording which student functions a call ran (isolation/calls.py).

    python benchmarks/bench_call_recording.py [--repeat 5]

Trains the a1 solution's MultiLayerNet(64, [50], 10) on the digits for the
graded number of steps, the costliest call a1 makes, with and without the
recorder, alternating, in one process. Prints the median CPU seconds of each
and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "a1_backprop"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(SOLUTION)]
    import network  # the solution, as a submission

    from graders.a1_backprop.oracles import digits_split
    from graders.engine.isolation.calls import CallRecorder

    x, t, _, _ = digits_split()
    recorder = CallRecorder(str(SOLUTION))

    def train() -> None:
        net = network.MultiLayerNet(64, [50], 10, seed=0)
        network.train(net, x, t, lr=0.1, batch_size=100, iters=1000, seed=0)

    def with_recorder() -> None:
        with recorder:
            train()

    times: dict[str, list[float]] = {"plain": [], "recorded": []}
    for _ in range(args.repeat):
        for name, run in (("plain", train), ("recorded", with_recorder)):
            start = time.process_time()
            run()
            times[name].append(time.process_time() - start)
    plain, recorded = (statistics.median(times[k]) for k in ("plain", "recorded"))
    print(f"train on digits, 1000 steps: plain {plain:.3f} s CPU, recorded {recorded:.3f} s CPU, "
          f"ratio {recorded / plain:.2f} (median of {args.repeat}); names seen: {sorted(recorder.names)}")


if __name__ == "__main__":
    main()
