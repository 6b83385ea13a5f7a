#!/usr/bin/env python3
"""The webhook server under abuse, on 127.0.0.1: the peak RSS of a release `sluice daemon` while
30 clients each send 60 MB with a wrong token, 100 clients send 1 MB to a flow whose runs fail
(until its queue is full), and 100 connections sit idle. Usage: bench_webhooks.py SLUICE_BINARY
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

PORT = 18799


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return 0


def post(path, size, chunk=1 << 20):
    """Sends a JSON body of `size` bytes; returns the status line, or what stopped the upload."""
    connection = socket.create_connection(("127.0.0.1", PORT), timeout=60)
    head = f"POST /{path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    body = b'{"blob":"' + b"x" * (size - 11) + b'"}'
    try:
        connection.sendall(head.encode())
        for start in range(0, size, chunk):
            connection.sendall(body[start : start + chunk])
        return connection.recv(200).split(b"\r\n")[0].decode()
    except OSError as error:
        return f"closed by the server ({error.strerror})"
    finally:
        connection.close()


def main():
    sluice = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="sluice-webhook-bench-")
    env = dict(os.environ, SLUICE_HOME=os.path.join(work, "home"), SLUICE_SECRETS="file")
    blocked = os.path.join(work, "blocked")
    open(blocked, "w").write("a file, so every write under it fails")
    flow = {
        "format": "sluice.flow/1", "id": "abuse", "name": "abuse",
        "nodes": [
            {"id": "hook", "type": "webhook", "config": {"idle_seconds": 0.2, "max_body_bytes": 2 << 20}},
            {"id": "save", "type": "json.write", "config": {"path": os.path.join(blocked, "out.ndjson")}},
        ],
        "edges": [{"from": "hook", "to": "save"}],
    }
    flow_file = os.path.join(work, "abuse.sluice.json")
    json.dump(flow, open(flow_file, "w"))
    run = lambda *args: subprocess.run([sluice, *args], env=env, check=True, capture_output=True, text=True)
    run("flows", "import", flow_file)
    run("flows", "review", "abuse", "--approve")
    run("webhooks", "port", str(PORT))
    path = run("webhooks", "url", "abuse").stdout.strip().split("/", 3)[3]
    wrong = path[:-1] + ("0" if path[-1] != "0" else "1")
    daemon = subprocess.Popen([sluice, "daemon"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        peak = [rss_kb(daemon.pid)]
        print(f"idle: {peak[0] // 1024} MB")
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kb(daemon.pid))
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()

        def report(what, results, started):
            counts = {result: results.count(result) for result in sorted(set(results))}
            print(f"{what}: {counts}, {time.time() - started:.1f} s, peak RSS {peak[0] // 1024} MB")

        started, results = time.time(), []
        clients = [threading.Thread(target=lambda: results.append(post(wrong, 60 << 20))) for _ in range(30)]
        [client.start() for client in clients]
        [client.join() for client in clients]
        report("30 × 60 MB with a wrong token", results, started)

        started, results = time.time(), [post(path, 1 << 20) for _ in range(100)]
        report("100 × 1 MB to a flow whose runs fail", results, started)

        idle = [socket.create_connection(("127.0.0.1", PORT)) for _ in range(100)]
        time.sleep(2)
        print(f"100 idle connections: peak RSS {peak[0] // 1024} MB")
        for connection in idle:
            connection.close()
        stop.set()
        watcher.join()
        database = os.path.join(work, "home", "sluice.db")
        print(f"sluice.db: {os.path.getsize(database) // (1 << 20)} MB")
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


if __name__ == "__main__":
    main()
