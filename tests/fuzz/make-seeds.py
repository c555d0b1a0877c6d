#!/usr/bin/env python3
"""Writes the starting seed corpus of each fuzz target (corpus/<target>/seed-*).

Deterministic: every input is a valid program for its target (fuzz.h), so
random bytes of a few lengths already reach most operations; the crafted
seeds below start the fuzzer at the cases named in the issue (full-scale
squares, NaN/Inf float bits, denormal tails, flush/seek/caps change).
Inputs the fuzzer found later are merged in with run.sh --merge.
"""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = ["meter", "dynamics", "chain", "mix", "loudnorm", "masterchain", "mixbus"]


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def floats(*vals):
    return b"".join(struct.pack(">I", struct.unpack("<I", struct.pack("<f", v))[0]) for v in vals)


rng = random.Random(1770)
for t in TARGETS:
    for i, n in enumerate([8, 32, 64, 128, 256, 512, 1024, 2048]):
        write(t, "seed-random-%02d" % i, [rng.randrange(256) for _ in range(n)])

# generator bytes (fz_fill): kind, period, amplitude (/64)
SQUARE_FS = [2, 24, 64]           # full-scale square, period 25
SQUARE_HOT = [2, 8, 255]          # +12 dBFS square
RAW_FLOATS = [1, 0, 0]            # raw float bits follow
DENORMAL = [4, 3, 0]
NOISE_SPECIAL = [6, 9, 200, 0, 5, 0, 0, 1, 1, 0, 7, 2]

# dsp targets: header then one process op (frames as u16 big endian)
nan_inf = floats(float("nan"), float("inf"), float("-inf"), 1e-45, -0.0, 1.0, -1.0, 3.4e38)
for target, header, op in [
        ("meter", [6, 1, 3], [0, 0x04, 0x00]),        # 48 kHz stereo, TP; f32 chunk of 1024
        ("dynamics", [0, 6, 1, 6, 0x80, 0x00], [4, 0x04, 0x00, 0]),   # limiter 48k
        ("dynamics", [1, 6, 1, 0, 6, 0, 0], [10, 0x04, 0x00, 0]),    # loudnorm live
        ("chain", [0, 6, 1, 1, 6, 0, 0], [5, 0x04, 0x00, 0]),
        ("mix", [0, 6, 1], [3, 0x04, 0x00, 3])]:
    for name, gen in [("square", SQUARE_FS), ("hot", SQUARE_HOT), ("denormal", DENORMAL),
                      ("special", NOISE_SPECIAL)]:
        write(target, "seed-%s-%s-%d" % (name, header[0], len(header)), header + op + gen + op + SQUARE_HOT)
    write(target, "seed-nan-%d-%d" % (header[0], len(header)), header + op[:3] + [0] + RAW_FLOATS + list(nan_inf) * 64)

# elements: format, rate, channels, mode, nprops, live; then ops
# (op % 16: 0-3/15 buffer, 4 ragged, 5 gap, 6 discont, 7 flush+seek,
# 8 segment, 9 caps, 10/11 property, 12 mode, 13 latency, 14 stream-start)
BUF = [0, 0x04, 0x00]
for target in ["loudnorm", "masterchain"]:
    for mode in range(4):
        for fmt in (0, 1):
            body = [fmt, 6, 1, mode, 0, 1]
            body += BUF + SQUARE_HOT + BUF + NOISE_SPECIAL + [5, 0x01, 0x00] + BUF + DENORMAL
            body += [7, 0, 10, 0] + BUF + SQUARE_FS + [9, 1, 3, 5] + BUF + SQUARE_HOT
            body += [6, 0x80, 0x00] + BUF + RAW_FLOATS + list(nan_inf) * 32 + [10, 0] + BUF + SQUARE_HOT
            write(target, "seed-ops-mode%d-%s" % (mode, "f64" if fmt else "f32"), body)

# mixbus: bus rate, bus format, tracks, track caps (format, channels,
# rate byte) per track, bus properties; then ops (op % 10: 0 discont,
# 1 caps, 2-3 pad property, 4 bus property, 5 track EOS, else buffer)
for tracks in (1, 2, 4):
    body = [6, tracks % 2, tracks - 1] + [0, 1, 1] * tracks + [0]
    for i in range(12):
        body += [i % tracks, 6 + i % 4, 0x04, 0x00] + (SQUARE_HOT if i % 3 else NOISE_SPECIAL)
    body += [0, 2, 0, 3, 1, 1, 3, 5, 1, 0, 8, 0x04, 0x00] + RAW_FLOATS + list(nan_inf) * 16
    write("mixbus", "seed-tracks-%d" % tracks, body)
