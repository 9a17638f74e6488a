import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
    chainPem,
    firstCertificateDer,
    splitPemCertificates,
    thumbprints,
} from "../../components/pki/thumbprint";
import { fingerprintHex, makeCert, opensslFingerprint } from "./fixtures";

describe("pki/thumbprint", () => {
    let ec: string;
    let rsa: string;
    let other: string;

    before(() => {
        ec = makeCert("thumb-ec");
        rsa = makeCert("thumb-rsa", "rsa");
        other = makeCert("thumb-other");
    });

    describe("thumbprints", () => {
        for (const which of ["ec", "rsa"] as const) {
            it(`matches openssl -fingerprint -sha1 / -sha256 (${which} certificate)`, () => {
                const pem = which === "ec" ? ec : rsa;
                const t = thumbprints(pem);
                assert.equal(t.sha1, fingerprintHex(opensslFingerprint(pem, "sha1")));
                assert.equal(t.sha256, fingerprintHex(opensslFingerprint(pem, "sha256")));
            });
        }

        it("is 40 / 64 uppercase hex characters without colons (seed 000)", () => {
            const t = thumbprints(ec);
            assert.match(t.sha1, /^[0-9A-F]{40}$/);
            assert.match(t.sha256, /^[0-9A-F]{64}$/);
        });

        it("differs between two certificates with the same subject", () => {
            const again = makeCert("thumb-ec");
            assert.notEqual(thumbprints(again).sha1, thumbprints(ec).sha1);
            assert.notEqual(thumbprints(again).sha256, thumbprints(ec).sha256);
        });

        it("uses the first certificate of a chain (the leaf)", () => {
            const chain = chainPem([ec, other, rsa]);
            assert.deepEqual(thumbprints(chain), thumbprints(ec));
            assert.notDeepEqual(thumbprints(chainPem([other, ec])), thumbprints(ec));
        });

        it("accepts CRLF line ends and text around the certificate", () => {
            const crlf = `Bag Attributes\r\n${ec.replace(/\n/g, "\r\n")}trailing text\r\n`;
            assert.deepEqual(thumbprints(crlf), thumbprints(ec));
        });

        it("rejects a text without a certificate", () => {
            assert.throws(() => thumbprints(""), /no PEM certificate/);
            assert.throws(
                () => thumbprints("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                /no PEM certificate/,
            );
        });

        it("rejects a PEM block that is not a DER certificate", () => {
            const bogus =
                "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
            assert.throws(() => thumbprints(bogus));
            assert.throws(
                () =>
                    firstCertificateDer(
                        "-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----",
                    ),
                /not base64/,
            );
        });
    });

    describe("splitPemCertificates / chainPem", () => {
        it("keeps only certificates, in order, one trailing newline each", () => {
            const key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n";
            const chain = chainPem([`${key}${ec}\n\n`, undefined, "", `${other}${rsa}`]);
            const parts = splitPemCertificates(chain);
            assert.equal(parts.length, 3);
            assert.deepEqual(
                parts.map((p) => thumbprints(p).sha1),
                [ec, other, rsa].map((p) => thumbprints(p).sha1),
            );
            assert.equal(chain, `${ec.trim()}\n${other.trim()}\n${rsa.trim()}\n`);
            assert.ok(!chain.includes("PRIVATE KEY"));
        });

        it("gives an empty text for no certificates", () => {
            assert.equal(chainPem([]), "");
            assert.equal(chainPem([undefined, "", "no pem here"]), "");
        });

        it("property: the chain is the concatenation of the parts' certificates, idempotently", () => {
            const pool = () => [ec, rsa, other];
            const part = fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }).chain((idx) =>
                fc.record({
                    idx: fc.constant(idx),
                    crlf: fc.boolean(),
                    junk: fc.constantFrom(
                        "",
                        "\n",
                        "garbage\n",
                        "-----BEGIN X-----\nAA\n-----END X-----\n",
                    ),
                }),
            );
            fc.assert(
                fc.property(
                    fc.array(fc.option(part, { nil: undefined }), { maxLength: 4 }),
                    (parts) => {
                        const texts = parts.map((p) => {
                            if (p === undefined) return undefined;
                            const body = p.idx.map((i) => p.junk + pool()[i]).join("");
                            return p.crlf ? body.replace(/\n/g, "\r\n") : body;
                        });
                        const expected = parts.flatMap((p) => (p === undefined ? [] : p.idx));
                        const chain = chainPem(texts);
                        const certs = splitPemCertificates(chain);
                        assert.deepEqual(
                            certs.map((c) => thumbprints(c).sha1),
                            expected.map((i) => thumbprints(pool()[i]).sha1),
                        );
                        assert.equal(chainPem([chain]), chain);
                        assert.ok(!chain.includes("\r"));
                    },
                ),
                { numRuns: 200 },
            );
        });
    });
});
