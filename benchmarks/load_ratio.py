"""2 replicas over 1 at saturation, from benchmarks/load.py's reports: python load_ratio.py R1 R2 [R1c R2c].

Pairs of reports (one replica, then N), each printed as the ratio of clicks/s at saturation (while
every visitor clicks) and over the whole room, with the cores the servers had."""

import json
import sys


def line(one: dict, many: dict) -> str:
    s1, sn = one["saturated"], many["saturated"]
    how = f"each replica capped at {many['replica_cpus']} core" if many.get("replica_cpus") else \
        "uncapped: client, nginx and replicas share this machine's cores"
    sat = f"{sn['clicks_per_s'] / s1['clicks_per_s']:.2f}x at saturation ({s1['clicks_per_s']} -> " \
          f"{sn['clicks_per_s']} clicks/s, server cores {s1.get('server_cores_busy')} -> " \
          f"{sn.get('server_cores_busy')})" if s1 and sn else "no saturated window"
    return (f"{many['replicas']} replicas / 1, {one['visitors']} visitors ({how}): {sat}; "
            f"{many['clicks_per_s'] / one['clicks_per_s']:.2f}x over the whole room")


if __name__ == "__main__":
    reports = [json.load(open(p)) for p in sys.argv[1:]]
    for one, many in zip(reports[::2], reports[1::2]):
        print(line(one, many))
