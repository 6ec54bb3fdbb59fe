#!/usr/bin/env bash
# Rebuilds the two images the kernel example unpacks (and prints the length and
# FNV-1a 64 hash its source checks). Needs python3, gzip and lz4.
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import struct
# A deterministic "image": a text part (a boot log) and a binary part (a table).
words = b"kernel pool buffer frame sensor block memory page driver interrupt queue".split()
out = bytearray()
x = 12345
i = 0
while len(out) < 24000:
    x = (x * 1103515245 + 12345) & 0x7fffffff
    out += b"[%6d.%03d] " % (i, x % 1000) + b" ".join(words[(x >> s) % len(words)] for s in (3, 7, 11, 15, 19)) + b"\n"
    i += 1
t = 0
while len(out) < 48000:
    x = (x * 1103515245 + 12345) & 0x7fffffff
    t += 16 + x % 3
    out += struct.pack("<IHBB", t, 1000 + x % 40, x % 4, 0)
open("image.bin", "wb").write(bytes(out))
h = 0xcbf29ce484222325
for b in out:
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("IMAGE_LEN", len(out), "IMAGE_FNV", hex(h))
PY
gzip -9 -n -c image.bin > image.bin.gz
lz4 -9 -B4 -q -c image.bin > image.bin.lz4
rm image.bin
