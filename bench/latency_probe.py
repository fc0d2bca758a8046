"""Fixed-rate latency probe: CONNECTIONS keep-alive connections each send GET
PATH at RATE requests/second for SECONDS, then print "p50_ms p99_ms count
non_200". Unlike wrk it leaves the CPU idle between requests, so it measures
how long a page waits, not how fast a saturated machine can go. Bounded by
SECONDS; loopback only.

usage: python3 latency_probe.py HOST PORT PATH CONNECTIONS RATE SECONDS
"""

import http.client
import sys
import threading
import time


def probe(host, port, path, rate, seconds, latencies, failures, lock):
    connection = http.client.HTTPConnection(host, port, timeout=10)
    interval = 1.0 / rate
    next_send = time.perf_counter()
    deadline = next_send + seconds
    while next_send < deadline:
        pause = next_send - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        elapsed_ms = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed_ms)
            if response.status != 200:
                failures.append(response.status)
        next_send += interval


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    connections, rate, seconds = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
    latencies, failures, lock = [], [], threading.Lock()
    threads = [
        threading.Thread(target=probe, args=(host, port, path, rate, seconds, latencies, failures, lock))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f"{pick(0.50):.2f} {pick(0.99):.2f} {len(latencies)} {len(failures)}")


if __name__ == "__main__":
    main()
