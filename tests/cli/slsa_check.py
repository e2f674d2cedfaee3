#!/usr/bin/env python3
"""A field by field check of a statement against the in-toto Statement v1 and
SLSA provenance v1 specifications (no JSON schema is published for either):
in-toto/attestation spec/v1 statement.md, resource_descriptor.md,
digest_set.md, field_types.md; slsa.dev/provenance/v1 and its provenance.proto.

usage: slsa_check.py ATTESTATION.intoto.jsonl [LINE]
Prints "ok" and exits 0, or prints every deviation and exits 1."""
import base64
import json
import re
import sys

errors = []


def bad(path, why):
    errors.append("%s: %s" % (path, why))


URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$")
HEX = re.compile(r"^[0-9a-f]+$")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
# digest_set.md: the algorithms and their hex lengths.
DIGEST_LEN = {"sha256": [64], "sha224": [56], "sha384": [96],
              "sha512": [128], "sha512_224": [56], "sha512_256": [64],
              "sha3_224": [56], "sha3_256": [64], "sha3_384": [96],
              "sha3_512": [128], "shake128": [64], "shake256": [128],
              "blake2b": [128], "blake2s": [64], "ripemd160": [40],
              "sm3": [64], "gost": [64], "sha1": [40], "md5": [32],
              "gitCommit": [40, 64], "gitTree": [40, 64],
              "gitBlob": [40, 64], "gitTag": [40, 64], "dirHash": [64]}
RD_FIELDS = {"name", "uri", "digest", "content", "downloadLocation",
             "mediaType", "annotations"}


def uri(path, v, local_ok=False):
    """ResourceURI / TypeURI: an RFC 3986 absolute URI; a local path is not."""
    if not isinstance(v, str) or not URI.match(v):
        bad(path, "not an absolute URI: %r" % (v,))
        return
    if v.lower().startswith(("file:", "git+file:")) and not local_ok:
        bad(path, "a local path, not a URI others can resolve: %r" % v)
    m = re.match(r"^[^:]+://([^/?#]*)", v)
    if m and "@" in m.group(1) and (":" in m.group(1).split("@")[0] or
                                    v.startswith(("https:", "http:",
                                                  "git+https:",
                                                  "git+http:"))):
        bad(path, "carries credentials: %r" % v)


def digest_set(path, d):
    if not isinstance(d, dict) or not d:
        bad(path, "a DigestSet is a non-empty object")
        return
    for alg, val in d.items():
        if not isinstance(val, str) or not HEX.match(val):
            bad(path + "." + alg, "not lowercase hex: %r" % (val,))
        elif alg in DIGEST_LEN and len(val) not in DIGEST_LEN[alg]:
            bad(path + "." + alg, "%d hex digits" % len(val))


def resource(path, rd):
    if not isinstance(rd, dict):
        bad(path, "a ResourceDescriptor is an object")
        return
    for k in rd:
        if k not in RD_FIELDS:
            bad(path, "unknown ResourceDescriptor field %r" % k)
    if not any(k in rd for k in ("uri", "digest", "content")):
        bad(path, "MUST have one of uri, digest, content")
    if "name" in rd and not isinstance(rd["name"], str):
        bad(path + ".name", "not a string")
    if "uri" in rd:
        uri(path + ".uri", rd["uri"])
    if "downloadLocation" in rd:
        uri(path + ".downloadLocation", rd["downloadLocation"])
    if "digest" in rd:
        digest_set(path + ".digest", rd["digest"])
    if "content" in rd:
        try:
            base64.b64decode(rd["content"], validate=True)
        except Exception:
            bad(path + ".content", "not base64")
    if "mediaType" in rd and not isinstance(rd["mediaType"], str):
        bad(path + ".mediaType", "not a string")
    if "annotations" in rd and not isinstance(rd["annotations"], dict):
        bad(path + ".annotations", "not an object")
    # A purl names a package, not one file: the uri must be of what the
    # digest is of.
    if str(rd.get("uri", "")).startswith("pkg:") and "sha256" in rd.get(
            "digest", {}) and "#" not in rd["uri"]:
        bad(path, "a package uri with the digest of one file")


def only(path, obj, allowed, required=()):
    if not isinstance(obj, dict):
        bad(path, "not an object")
        return False
    for k in obj:
        if k not in allowed:
            bad(path, "unknown field %r" % k)
    for k in required:
        if k not in obj:
            bad(path, "required field %r missing" % k)
    return True


def check(st):
    only("statement", st, {"_type", "subject", "predicateType", "predicate"},
         {"_type", "subject", "predicateType"})
    if st.get("_type") != "https://in-toto.io/Statement/v1":
        bad("_type", repr(st.get("_type")))
    subj = st.get("subject")
    if not isinstance(subj, list) or not subj:
        bad("subject", "a non-empty list")
        subj = []
    names = set()
    for i, s in enumerate(subj):
        resource("subject[%d]" % i, s)
        if "digest" not in s:
            bad("subject[%d]" % i, "MUST have digest")
        if s.get("name") in names:
            bad("subject[%d]" % i, "name SHOULD be unique")
        names.add(s.get("name"))
    if st.get("predicateType") != "https://slsa.dev/provenance/v1":
        bad("predicateType", repr(st.get("predicateType")))
    pred = st.get("predicate", {})
    only("predicate", pred, {"buildDefinition", "runDetails"},
         {"buildDefinition", "runDetails"})
    bd = pred.get("buildDefinition", {})
    if only("buildDefinition", bd, {"buildType", "externalParameters",
                                    "internalParameters",
                                    "resolvedDependencies"},
            {"buildType", "externalParameters"}):
        uri("buildType", bd.get("buildType"))
        if not isinstance(bd.get("externalParameters"), dict):
            bad("externalParameters", "an object")
        if "internalParameters" in bd and not isinstance(
                bd["internalParameters"], dict):
            bad("internalParameters", "an object")
        for i, rd in enumerate(bd.get("resolvedDependencies", [])):
            resource("resolvedDependencies[%d]" % i, rd)
        src = bd.get("externalParameters", {}).get("source", {})
        if isinstance(src, dict) and "uri" in src:
            uri("externalParameters.source.uri", src["uri"])
    rd = pred.get("runDetails", {})
    if only("runDetails", rd, {"builder", "metadata", "byproducts"},
            {"builder"}):
        b = rd.get("builder", {})
        if only("builder", b, {"id", "version", "builderDependencies"},
                {"id"}):
            uri("builder.id", b.get("id"))
            v = b.get("version", {})
            if not isinstance(v, dict) or not all(
                    isinstance(x, str) for x in v.values()):
                bad("builder.version", "a map of string to string")
            for i, x in enumerate(b.get("builderDependencies", [])):
                resource("builderDependencies[%d]" % i, x)
        m = rd.get("metadata", {})
        if only("metadata", m, {"invocationId", "startedOn", "finishedOn"}):
            if not isinstance(m.get("invocationId"), str) or \
                    not m.get("invocationId"):
                bad("metadata.invocationId", "missing or empty")
            for k in ("startedOn", "finishedOn"):
                if k in m and not TIME.match(str(m[k])):
                    bad("metadata." + k, "not an RFC 3339 UTC time")
        for i, x in enumerate(rd.get("byproducts", [])):
            resource("byproducts[%d]" % i, x)


def main():
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with open(sys.argv[1]) as f:
        line = f.read().splitlines()[n - 1]
    env = json.loads(line)
    if env.get("payloadType") != "application/vnd.in-toto+json":
        bad("payloadType", repr(env.get("payloadType")))
    check(json.loads(base64.b64decode(env["payload"])))
    for e in errors:
        print(e)
    if errors:
        sys.exit(1)
    print("ok")


main()
