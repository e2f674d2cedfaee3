// Verifies a Sigstore bundle with npm's @sigstore/verify, offline, with one
// public key as the trust material (its hint: the SHA-256 of its DER SPKI),
// no transparency log, CT log or timestamp authority.
//   node sigstore_verify.js BUNDLE PUB.pem
// Prints "verified" and exits 0; prints the error and exits 1 when the
// verifier refuses the bundle, 2 when it cannot be read.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

let bundle, der, alg;
try {
	bundle = bundleFromJSON(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
	const key = crypto.createPublicKey(fs.readFileSync(process.argv[3], 'utf8'));
	der = key.export({ type: 'spki', format: 'der' });
	alg = key.asymmetricKeyType === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256';
} catch (e) {
	console.log('cannot read: ' + e.message);
	process.exit(2);
}
const hint = crypto.createHash('sha256').update(der).digest('hex');
const root = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
	tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
const trust = toTrustMaterial(root, { [hint]: { rawBytes: der, keyDetails: alg } });
try {
	new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, tsaThreshold: 0 })
		.verify(toSignedEntity(bundle));
} catch (e) {
	console.log('refused: ' + (e.code ? e.code + ': ' : '') + e.message);
	process.exit(1);
}
console.log('verified');
