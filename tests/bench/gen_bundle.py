#!/usr/bin/env python3
"""Writes a large disclosure bundle and an attestation naming its root.

gen_bundle.py --trees N --bundle OUT.tar [--shape linked|unlinked]
              [--template T.intoto.jsonl --key K.key --attestation OUT.jsonl]

linked: a root with about sqrt(N) directories of about sqrt(N) empty
directories each (the most trees the manifest cap allows), one disclosed
file in the first leaf and one withheld file at the root: a valid partial
disclosure. unlinked: N trees that no parent names (hostile). With
--template, the first envelope of T (signed by K, Ed25519) is re-signed with
openssl naming this root as the source tree.
"""
import argparse, base64, hashlib, io, json, math, os, subprocess, tarfile, tempfile

ALPHA = "0123456789abcdefghijklmnopqrstuvwxyz"


def oid(kind, body):
    return hashlib.sha256(b"%s %d\0" % (kind, len(body)) + body).digest()


def name(i):
    return ALPHA[i // len(ALPHA)] + ALPHA[i % len(ALPHA)]


def entry(mode, nm, ident):
    return mode + b" " + nm.encode() + b"\0" + ident


def tree(ents):
    """A tree body from (mode, name, id) in git order (a tree as name/)."""
    key = lambda e: e[1].encode() + (b"/" if e[0] == b"40000" else b"")
    return b"".join(entry(*e) for e in sorted(ents, key=key))


def linked(n):
    side = max(1, int(math.sqrt(n)))
    content = b"int disclosed;\n"
    file_id = oid(b"blob", content)
    empty_id = oid(b"tree", b"")
    leaf0 = tree([(b"100644", "f", file_id)])
    trees, root_entries = [], []
    for i in range(side):
        ents = []
        for j in range(side):
            body = leaf0 if i == 0 and j == 0 else b""
            trees.append((name(i) + "/" + name(j), body))
            ents.append((b"40000", name(j), oid(b"tree", body)))
        body = tree(ents)
        trees.append((name(i), body))
        root_entries.append((b"40000", name(i), oid(b"tree", body)))
    root_entries.append((b"100644", "secret.c", oid(b"blob", b"withheld\n")))
    root = tree(root_entries)
    trees.append(("", root))
    return trees, {name(0) + "/" + name(0) + "/f": content}, oid(b"tree", root)


def unlinked(n):
    trees = [("%x" % i, b"") for i in range(n)]
    root = entry(b"40000", "0", oid(b"tree", b""))
    trees.append(("", root))
    return trees, {}, oid(b"tree", root)


def write_bundle(path, trees, files, root):
    m = {"cleanroomDisclosure": 1, "root": root.hex(),
         "disclosed": sorted(files),
         "trees": [{"path": p, "body": base64.b64encode(b).decode()}
                   for p, b in trees]}
    data = json.dumps(m, separators=(",", ":")).encode()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for nm, body in [("cleanroom-disclosure.json", data)] + sorted(files.items()):
            info = tarfile.TarInfo(nm)
            info.size, info.mode, info.mtime = len(body), 0o644, 0
            tar.addfile(info, io.BytesIO(body))
    return len(data)


def resign(template, key, out, root):
    env = json.loads(open(template).readline())
    st = json.loads(base64.b64decode(env["payload"]))
    deps = st["predicate"]["buildDefinition"]["resolvedDependencies"]
    deps[0]["digest"]["gitTree"] = root.hex()
    payload = json.dumps(st).encode()
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "pae"), "wb").write(pae)
        subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key,
                        "-in", os.path.join(d, "pae"), "-out",
                        os.path.join(d, "sig")], check=True)
        sig = open(os.path.join(d, "sig"), "rb").read()
    env["payload"] = base64.b64encode(payload).decode()
    env["signatures"] = [{"keyid": env["signatures"][0].get("keyid", ""),
                          "sig": base64.b64encode(sig).decode()}]
    open(out, "w").write(json.dumps(env, separators=(",", ":")) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", type=int, required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--shape", choices=["linked", "unlinked"], default="linked")
    ap.add_argument("--template")
    ap.add_argument("--key")
    ap.add_argument("--attestation")
    a = ap.parse_args()
    trees, files, root = (linked if a.shape == "linked" else unlinked)(a.trees)
    size = write_bundle(a.bundle, trees, files, root)
    if a.template:
        resign(a.template, a.key, a.attestation, root)
    print("%d trees, manifest %d bytes, root %s" % (len(trees), size, root.hex()))


main()
