"""Runs one command and writes its wall time and peak RSS to a JSON file.

  python3 measure_process.py RESULT.json COMMAND [ARG…]

The peak RSS is the kernel's own: ru_maxrss from wait4() on the command's process (Linux: KiB),
the high-water mark of its resident set over its whole life, which no sampling can miss. Node
cannot read it for one child (process.resourceUsage() is its own; spawnSync gives no rusage), and
GNU time is not on every machine, so this stdlib-only wrapper is the benchmark's one way to
measure every tool. ru_maxrss also covers the command's own children it waited for (taking the
largest), so a tool that forks workers is measured at its largest process. stdio is inherited.
"""

import json
import os
import subprocess
import sys
import time


def main() -> None:
    result_path, command = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    with open(result_path, "w") as out:
        json.dump({"exit": child.returncode, "seconds": seconds, "peakRssKb": usage.ru_maxrss}, out)


if __name__ == "__main__":
    main()
