#!/usr/bin/env python3
"""Writes SRAT-gh200-nvl2.dat: the SRAT of a host with two Grace Hopper
superchips as its firmware describes it (2 Grace CPU+LPDDR5X domains, 2 HBM
domains, 8 Generic Initiator domains per GPU: 20 proximity domains), scaled
down to 2 GiB per memory domain. Made here for the T173 import case; the
layout follows the GH200 boot in tests/data/qemu-aarch64/b (GICC affinity,
GI entries naming a PCI function)."""
import struct

def gicc(pxm, uid):
    return struct.pack("<BBIIII", 3, 18, pxm, uid, 1, 0)

def mem(pxm, base, size):
    return struct.pack("<BBIHQQIIQ", 1, 40, pxm, 0, base, size, 0, 1, 0)

def gi(pxm, bus):
    handle = struct.pack("<HH12x", 0, bus << 8)
    return struct.pack("<BBBBI", 5, 32, 0, 1, pxm) + handle + struct.pack("<II", 1, 0)

GIB = 1 << 30
body = b"".join([gicc(0, 0), gicc(0, 1), gicc(1, 2), gicc(1, 3)])
body += b"".join(gi(4 + k, 1) for k in range(8))
body += b"".join(gi(12 + k, 2) for k in range(8))
for k in range(4):
    body += mem(k, GIB + k * 2 * GIB, 2 * GIB)
head = struct.pack("<4sIBB6s8sI4sI", b"SRAT", 36 + 12 + len(body), 3, 0,
                   b"TOPOC ", b"GH2NVL2 ", 1, b"TOPC", 1)
table = bytearray(head + struct.pack("<IQ", 1, 0) + body)
table[9] = (-sum(table)) & 0xFF
open("SRAT-gh200-nvl2.dat", "wb").write(table)
