#!/usr/bin/env python3
"""gen_envelopes.py TEMPLATE.jsonl COUNT OUT.jsonl

Writes COUNT distinct envelope lines that all carry TEMPLATE's first
envelope's signature: only the unsigned "keyid" hint differs, so each line
is a different log leaf and every one verifies with the template's key.
"""
import json, sys

env = json.loads(open(sys.argv[1]).readline())
sig = env["signatures"][0]["sig"]
with open(sys.argv[3], "w") as out:
    for i in range(int(sys.argv[2])):
        env["signatures"] = [{"keyid": "hint-%06d" % i, "sig": sig}]
        out.write(json.dumps(env, separators=(",", ":")) + "\n")
