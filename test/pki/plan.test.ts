import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
    clientAuthUses,
    daysToHours,
    identityCommonNames,
    keySpec,
    orderCas,
    planPki,
    usesEst,
} from "../../components/pki/plan";
import { splitPemCertificates, thumbprints } from "../../components/pki/thumbprint";
import { makeCert, pkiFleetConfig, resolved, resolvedUnchecked } from "./fixtures";

describe("pki/plan", () => {
    let partner: { certificatePem: string; chainPem: string };
    before(() => {
        partner = {
            certificatePem: makeCert("Partner Issuing CA"),
            chainPem: makeCert("Partner Root CA"),
        };
    });
    const fleet = (mutate?: (config: any) => void) => {
        const config = pkiFleetConfig(partner);
        mutate?.(config);
        return resolved(config);
    };

    describe("daysToHours", () => {
        it("is 24 hours a day", () => {
            fc.assert(
                fc.property(fc.integer({ min: 0, max: 100_000 }), (d) => daysToHours(d) === d * 24),
            );
        });
        it("rejects negative, fractional and non-finite days", () => {
            for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
                assert.throws(() => daysToHours(bad), /whole, non-negative/);
            }
        });
    });

    describe("key specs and usages", () => {
        it("maps the model's two algorithms to tls.PrivateKey arguments", () => {
            assert.deepEqual(keySpec("ECDSA-P256"), { algorithm: "ECDSA", ecdsaCurve: "P256" });
            assert.deepEqual(keySpec("RSA-2048"), { algorithm: "RSA", rsaBits: 2048 });
        });
        it("gives client-auth certificates keyEncipherment only with RSA", () => {
            assert.deepEqual(clientAuthUses("ECDSA-P256"), ["digitalSignature", "clientAuth"]);
            assert.deepEqual(clientAuthUses("RSA-2048"), [
                "digitalSignature",
                "keyEncipherment",
                "clientAuth",
            ]);
        });
    });

    describe("orderCas", () => {
        it("puts issuers first, keeping the listed order otherwise", () => {
            const cas = [
                { name: "leaf-ca", issuer: "mid" },
                { name: "other-root" },
                { name: "mid", issuer: "root" },
                { name: "root" },
            ];
            assert.deepEqual(
                orderCas(cas).map((c) => c.name),
                ["root", "mid", "leaf-ca", "other-root"],
            );
        });

        it("property: a permutation of its input with every issuer before what it signs", () => {
            // A random forest: CA i may be signed by any CA j < i; then shuffled.
            const forest = fc.integer({ min: 1, max: 12 }).chain((n) =>
                fc.tuple(
                    fc.tuple(
                        ...Array.from({ length: n }, (_, i) =>
                            i === 0 ? fc.constant(-1) : fc.integer({ min: -1, max: i - 1 }),
                        ),
                    ),
                    fc.shuffledSubarray(
                        Array.from({ length: n }, (_, i) => i),
                        { minLength: n, maxLength: n },
                    ),
                ),
            );
            fc.assert(
                fc.property(forest, ([parents, order]) => {
                    const cas = order.map((i) =>
                        parents[i] < 0
                            ? { name: `ca${i}` }
                            : { name: `ca${i}`, issuer: `ca${parents[i]}` },
                    );
                    const out = orderCas(cas);
                    assert.deepEqual([...out].sort(byName), [...cas].sort(byName));
                    const pos = new Map(out.map((c, k) => [c.name, k]));
                    for (const c of out) {
                        if (c.issuer !== undefined)
                            assert.ok(pos.get(c.issuer)! < pos.get(c.name)!);
                    }
                    // Already ordered input comes back unchanged (stability).
                    assert.deepEqual(orderCas(out), out);
                }),
            );
        });

        it("reports cycles, unknown issuers and duplicates", () => {
            assert.throws(
                () =>
                    orderCas([
                        { name: "a", issuer: "b" },
                        { name: "b", issuer: "a" },
                    ]),
                /cycle: a <- b <- a/,
            );
            assert.throws(() => orderCas([{ name: "a", issuer: "a" }]), /cycle/);
            assert.throws(
                () => orderCas([{ name: "a", issuer: "x" }, { name: "b" }, { name: "b" }]),
                (e: Error) =>
                    /cas\[0\]\.issuer: no CA named "x"/.test(e.message) &&
                    /cas\[2\]\.name: duplicate CA "b"/.test(e.message),
            );
        });
    });

    describe("identityCommonNames / usesEst", () => {
        it("gives manual-x509 two certificates named after the device, dps-x509 one after the registration", () => {
            const f = fleet();
            const dev = (id: string) => f.devices.find((d) => d.deviceId === id)!;
            assert.deepEqual(identityCommonNames(dev("manual-1")), ["manual-1", "manual-1"]);
            assert.deepEqual(identityCommonNames(dev("group-1")), ["group-1-reg"]);
            assert.deepEqual(identityCommonNames(dev("sym-1")), []);
            assert.deepEqual(identityCommonNames(dev("est-1")), []);
        });

        it("gives manual-x509 with CA authentication a single certificate", () => {
            const f = fleet((c) => {
                c.devices[0].provisioning.authentication = "certificateAuthority";
            });
            assert.deepEqual(identityCommonNames(f.devices[0]), ["manual-1"]);
        });

        it("needs an EST server and a use for it", () => {
            const f = fleet((c) => {
                // Every device inherits an EST server; only est-1 uses it.
                c.defaults.est = {
                    url: "https://est.example.com/.well-known/est",
                    bootstrapIssuer: "devices",
                };
            });
            assert.deepEqual(
                f.devices.filter(usesEst).map((d) => d.deviceId),
                ["est-1"],
            );
            const edgeOnly = fleet((c) => {
                c.devices[2].edgeCa = { mode: "est" };
                c.devices[2].est = {
                    url: "https://est.example.com/.well-known/est",
                    bootstrapIssuer: "root",
                };
            });
            assert.ok(usesEst(edgeOnly.devices[2]));
        });
    });

    describe("planPki", () => {
        it("plans the fixture fleet's CAs issuers first, with the model's lifetimes in hours", () => {
            const f = fleet();
            const plan = planPki(f.pki, f.devices);
            assert.deepEqual(
                plan.cas.map((c) => [c.name, c.kind, c.rootName, c.ancestors]),
                [
                    ["root", "root", "root", []],
                    ["devices", "intermediate", "root", ["root"]],
                    ["rsa-root", "root", "rsa-root", []],
                    ["partner", "imported", "partner", []],
                ],
            );
            const rsa = plan.cas[2];
            assert.ok(rsa.kind === "root");
            assert.deepEqual([rsa.validityHours, rsa.earlyRenewalHours], [24_000, 240]);
            assert.deepEqual(rsa.key, { algorithm: "RSA", rsaBits: 2048 });
            const root = plan.cas[0];
            assert.ok(root.kind === "root");
            assert.deepEqual(root.subject, {
                commonName: "Fleet Root CA",
                organization: "Contoso",
            });
            assert.deepEqual([root.validityHours, root.earlyRenewalHours], [3650 * 24, 90 * 24]);
        });

        it("takes an imported CA's root from the end of its chain, or the certificate itself", () => {
            const withChain = planPki(fleet().pki, []).cas.find((c) => c.name === "partner")!;
            assert.ok(withChain.kind === "imported");
            assert.equal(thumbprints(withChain.rootPem).sha1, thumbprints(partner.chainPem).sha1);
            assert.equal(splitPemCertificates(withChain.issuersPem).length, 1);

            const alone = planPki(
                fleet((c) => delete c.pki.cas[3].import.chainPem).pki,
                [],
            ).cas.find((c) => c.name === "partner")!;
            assert.ok(alone.kind === "imported");
            assert.equal(thumbprints(alone.rootPem).sha1, thumbprints(partner.certificatePem).sha1);
            assert.equal(alone.issuersPem, "");
        });

        it("plans each device's certificates by method and Edge CA mode", () => {
            const f = fleet();
            const plan = planPki(f.pki, f.devices);
            const summary = Object.fromEntries(
                plan.devices.map((d) => [
                    d.deviceId,
                    [d.identity?.primary, d.identity?.secondary, d.edgeCa, d.estBootstrap]
                        .filter((c) => c !== undefined)
                        .map((c) => `${c.role}:${c.subject.commonName}<${c.issuer}`),
                ]),
            );
            assert.deepEqual(summary, {
                "manual-1": [
                    "identity-primary:manual-1<devices",
                    "identity-secondary:manual-1<devices",
                    "edge-ca:Edge CA manual-1<devices",
                ],
                "group-1": [
                    "identity-primary:group-1-reg<partner",
                    "edge-ca:Group One Edge CA<rsa-root",
                ],
                "sym-1": ["edge-ca:Edge CA sym-1<devices"],
                "quick-1": [],
                "est-1": ["est-bootstrap:est-1<rsa-root"],
            });
            assert.deepEqual(
                plan.devices.map((d) => d.trustBundleCa),
                ["root", "rsa-root", "root", undefined, undefined],
            );
        });

        it("makes the Edge CA a CA and identities client-auth leaves, in the issuer's algorithm", () => {
            const f = fleet();
            const plan = planPki(f.pki, f.devices);
            const group = plan.devices.find((d) => d.deviceId === "group-1")!;
            assert.equal(group.edgeCa!.isCaCertificate, true);
            assert.equal(group.edgeCa!.maxPathLength, 0);
            assert.deepEqual(group.edgeCa!.allowedUses, ["certSigning", "digitalSignature"]);
            assert.deepEqual(group.edgeCa!.key, { algorithm: "RSA", rsaBits: 2048 });
            assert.deepEqual(
                [group.edgeCa!.validityHours, group.edgeCa!.earlyRenewalHours],
                [300 * 24, 20 * 24],
            );
            const id = group.identity!.primary;
            assert.equal(id.isCaCertificate, false);
            assert.equal(id.maxPathLength, undefined);
            assert.deepEqual(id.allowedUses, ["digitalSignature", "clientAuth"]);
            assert.deepEqual([id.validityHours, id.earlyRenewalHours], [200 * 24, 20 * 24]);
            const est = plan.devices.find((d) => d.deviceId === "est-1")!.estBootstrap!;
            assert.deepEqual(est.allowedUses, [
                "digitalSignature",
                "keyEncipherment",
                "clientAuth",
            ]);
        });

        it("does not depend on the order of devices or CAs", () => {
            const f = fleet();
            const plan = planPki(f.pki, f.devices);
            const reversed = planPki(
                { ...f.pki, cas: [...f.pki.cas].reverse() },
                [...f.devices].reverse(),
            );
            const byId = (p: typeof plan) =>
                Object.fromEntries(p.devices.map((d) => [d.deviceId, d]));
            assert.deepEqual(byId(reversed), byId(plan));
            assert.deepEqual(
                Object.fromEntries(reversed.cas.map((c) => [c.name, c])),
                Object.fromEntries(plan.cas.map((c) => [c.name, c])),
            );
        });

        it("reports every problem at once, with paths", () => {
            // checkFleet reports these renewal windows first; planPki guards on its own too.
            const config = pkiFleetConfig(partner);
            config.pki.deviceCertificates.earlyRenewalDays = 200;
            config.pki.cas[2].earlyRenewalDays = 1000;
            const f = resolvedUnchecked(config);
            const devices = f.devices.map((d) => ({ ...d }));
            devices[1] = { ...devices[1], deviceId: "manual-1" };
            devices[2] = {
                ...devices[2],
                edgeCa: { mode: "pki", commonName: "x".repeat(65), issuer: "nope" },
            };
            assert.throws(
                () => planPki(f.pki, devices),
                (e: Error) =>
                    [
                        /fleet\.pki\.cas\[2\]: early renewal \(1000 days\) must be shorter than the validity \(1000 days\)/,
                        /fleet\.pki\.deviceCertificates: early renewal \(200 days\) must be shorter than the validity \(200 days\)/,
                        /fleet\.devices\[1\]\.deviceId: duplicate device "manual-1"/,
                        /fleet\.devices\[2\]\.edgeCa\.commonName: longer than 64/,
                        /fleet\.devices\[2\]\.edgeCa\.issuer: no CA named "nope"/,
                    ].every((re) => re.test(e.message)),
            );
        });
    });
});

function byName(a: { name: string }, b: { name: string }): number {
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
