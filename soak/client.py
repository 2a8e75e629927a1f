# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
"""A python3 client of the soak (soak/run.tcl): the conversations of
soak/client.tcl, in the same formats and with the same three endings, but
one at a time with blocking sockets, and written against Python's socket
module rather than this package, so the server also meets a peer that does
not share the package's idea of the protocol.

    python3 client.py DIR SEED SECONDS

Prints one line, a Tcl dict of the same counters as client.tcl, and
`failures`. Only the standard library is used.
"""

import os
import random
import socket
import struct
import sys
import time
import zlib

LIMIT = 65536
TYPES = ("stream", "seqpacket", "datagram")


def main():
    directory, seed, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rng = random.Random(seed)
    stats = {f"{t}.{c}": 0 for t in TYPES
             for c in ("verified", "bytes", "conversations", "halfclose", "abrupt", "clean")}
    stats["mismatches"] = 0
    failures = []
    deadline = time.monotonic() + seconds

    def size():
        r = rng.random()
        if r < 0.05:
            return 0
        if r < 0.10:
            return LIMIT
        return int((LIMIT + 1) ** rng.random()) - 1

    def payload():
        return rng.randbytes(size())

    def converse(kind):
        count = 20 if rng.random() < 0.1 else rng.randrange(6)
        r = rng.random()
        if r < 0.4 or (kind == "datagram" and r < 0.7):
            ending = "clean"
        elif r < 0.7:
            ending = "halfclose"
        else:
            ending = "abrupt"
        abrupt_at = rng.randrange(count + 1)
        path = os.path.join(directory, kind + ".sock")
        sock_type = {"stream": socket.SOCK_STREAM, "seqpacket": socket.SOCK_SEQPACKET,
                     "datagram": socket.SOCK_DGRAM}[kind]
        sock = socket.socket(socket.AF_UNIX, sock_type)
        sock.settimeout(60)
        stats[kind + ".conversations"] += 1
        try:
            if kind == "datagram":
                sock.bind("")  # autobind: an abstract name the replies can reach
                sock.connect(path)
            else:
                sock.connect(path)
            for sent in range(count + 1):
                if ending == "abrupt" and sent == abrupt_at:
                    data = payload()
                    if kind == "stream":
                        frame = struct.pack(">II", len(data), zlib.crc32(data)) + data
                        sock.sendall(frame[:1 + rng.randrange(len(frame) - 1)])
                    elif rng.random() < 0.5:
                        sock.send(struct.pack(">I", zlib.crc32(b"")))
                    stats[kind + ".abrupt"] += 1
                    return
                if sent == count:
                    break
                data = payload()
                if kind == "stream":
                    message = struct.pack(">II", len(data), zlib.crc32(data)) + data
                    sock.sendall(message)
                else:
                    message = struct.pack(">I", zlib.crc32(data)) + data
                    sock.send(message)
                if ending == "halfclose" and sent == count - 1:
                    sock.shutdown(socket.SHUT_WR)
                if kind == "stream":
                    echo = b""
                    while len(echo) < len(message):
                        more = sock.recv(LIMIT + 8)
                        if not more:
                            break
                        echo += more
                else:
                    echo = sock.recv(LIMIT + 8)
                if echo != message:
                    stats["mismatches"] += 1
                    failures.append(f"{kind}: echo of {len(message)} bytes differs"
                                    f" (got {len(echo)})")
                    return
                stats[kind + ".verified"] += 1
                stats[kind + ".bytes"] += len(data)
            if ending == "halfclose":
                if count == 0:
                    sock.shutdown(socket.SHUT_WR)
                rest = sock.recv(LIMIT + 8)
                if rest:
                    failures.append(f"{kind}: {len(rest)} bytes after the last echo")
                    return
                stats[kind + ".halfclose"] += 1
            else:
                stats[kind + ".clean"] += 1
        except OSError as error:
            failures.append(f"{kind}: {error}")
        finally:
            sock.close()

    while time.monotonic() < deadline and len(failures) < 20:
        converse(rng.choice(TYPES))

    def tcl(word):
        return "{" + "".join(c for c in word if c not in "{}\\") + "}"

    words = [f"{key} {value}" for key, value in stats.items()]
    words.append("failures {" + " ".join(tcl(f"{os.getpid()}: {f}") for f in failures) + "}")
    print(" ".join(words), flush=True)


if __name__ == "__main__":
    main()
