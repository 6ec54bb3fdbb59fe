#!/usr/bin/env python3
"""Makes the zstd test frames in this folder with the reference `zstd` CLI (v1.5.4 here).

The inputs are not stored: `text(n, seed)` below is also in core/tests/codec_zstd.rs, so
the test regenerates them and compares. Run from this folder: `python3 make.py`.
"""
import os, struct, subprocess

WORDS = ["the", "buffer", "pool", "returns", "exactly", "one", "frame", "of", "sensor",
         "data", "and", "compresses", "it", "without", "allocation", "while"]

def text(n, seed):
    x, out = seed, bytearray()
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out += WORDS[(x >> 33) % len(WORDS)].encode()
        out += b"\n" if (x >> 20) % 11 == 0 else b" "
    return bytes(out[:n])

def zstd(data, *args):
    # Through a file, so the CLI knows the size (stdin hides it).
    with open("in.tmp", "wb") as f:
        f.write(data)
    subprocess.run(["zstd", "-q", "-f", *args, "in.tmp", "-o", "out.tmp"], check=True)
    with open("out.tmp", "rb") as f:
        out = f.read()
    os.remove("in.tmp"); os.remove("out.tmp")
    return out

def put(name, data):
    with open(name, "wb") as f:
        f.write(data)

t6k = text(6000, 1)
put("text-l1.zst", zstd(t6k, "-1"))                          # checksum (the CLI default)
put("text-l3-nocheck.zst", zstd(t6k, "-3", "--no-check"))
put("text-l19-check.zst", zstd(t6k, "-19", "--check"))
put("text-l3-nosize.zst", zstd(t6k, "-3", "--no-content-size"))
put("small-l3.zst", zstd(text(100, 2), "-3"))                 # few sequences: predefined tables
put("big-l3.zst", zstd(text(150_000, 3), "-3", "--no-check"))  # two blocks
put("empty.zst", zstd(b"", "-3"))
put("zeros-1m-nosize.zst", zstd(bytes(1 << 20), "-19", "--no-content-size"))  # bomb-like
skip = struct.pack("<II", 0x184D2A53, 5) + b"skip!"
put("skip-then-text.zst", skip + zstd(t6k, "-1"))
put("two-frames.zst", zstd(text(100, 2), "-3") + zstd(t6k, "-19", "--check"))
