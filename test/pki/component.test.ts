/**
 * Graph tests of FleetPki under Pulumi mocks: which @pulumi/tls resources are declared, with
 * which inputs, parents and options, and what the component outputs.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedFleet } from "../../components/fleet";
import type * as PkiModule from "../../components/pki";
import { chainPem, thumbprints } from "../../components/pki/thumbprint";
import { fingerprintHex, makeCert, opensslFingerprint, pkiFleetConfig, resolved } from "./fixtures";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

const T = {
    key: "tls:index/privateKey:PrivateKey",
    selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
    csr: "tls:index/certRequest:CertRequest",
    signed: "tls:index/locallySignedCert:LocallySignedCert",
};

interface Recorded {
    type: string;
    name: string;
    inputs: any;
}

const recorded: Recorded[] = [];
const options = new Map<string, pulumi.ResourceOptions>();

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** Every Output inside a (nested) plain structure, awaited: the graph is then complete. */
async function settle(value: unknown): Promise<void> {
    const outputs: pulumi.Output<unknown>[] = [];
    const walk = (v: unknown) => {
        if (pulumi.Output.isInstance(v)) outputs.push(v);
        else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(value);
    await Promise.all(outputs.map(promiseOf));
}

function isSecretInput(v: unknown): v is { value: string } {
    return typeof v === "object" && v !== null && (v as any)[SECRET_SIG] === SECRET_VALUE;
}

function res(name: string): Recorded {
    const found = recorded.filter((r) => r.name === name);
    assert.equal(found.length, 1, `expected one resource named ${name}, found ${found.length}`);
    return found[0];
}

function fakeKey(name: string): string {
    return `-----BEGIN PRIVATE KEY-----\nFAKE ${name}\n-----END PRIVATE KEY-----\n`;
}

describe("pki/FleetPki (graph under mocks)", function () {
    let pkiModule: typeof PkiModule;
    let fleet: ResolvedFleet;
    let pki: PkiModule.FleetPki;
    let partner: { certificatePem: string; chainPem: string };
    const lookups: string[] = [];
    const lookup = (key: string) => {
        lookups.push(key);
        return pulumi.secret(
            `-----BEGIN PRIVATE KEY-----\nIMPORTED ${key}\n-----END PRIVATE KEY-----\n`,
        );
    };
    const capture: pulumi.ResourceTransformation = (args) => {
        options.set(args.name, args.opts);
        return undefined;
    };

    before(async () => {
        partner = {
            certificatePem: makeCert("Partner Issuing CA"),
            chainPem: makeCert("Partner Root CA"),
        };
        pulumi.runtime.setMocks(
            {
                newResource(args) {
                    recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
                    const state: Record<string, any> = { ...args.inputs };
                    switch (args.type) {
                        case T.key:
                            state.privateKeyPem = fakeKey(args.name);
                            state.privateKeyPemPkcs8 = fakeKey(`${args.name}-pkcs8`);
                            state.privateKeyOpenssh = `openssh ${args.name}`;
                            break;
                        case T.csr:
                            state.certRequestPem = `CSR:${args.inputs.subject.commonName}`;
                            break;
                        case T.selfSigned:
                            state.certPem = makeCert(args.inputs.subject.commonName);
                            break;
                        case T.signed:
                            state.certPem = makeCert(String(args.inputs.certRequestPem).slice(4));
                            break;
                    }
                    return { id: `${args.name}-id`, state };
                },
                call(args) {
                    throw new Error(`unexpected call ${args.token}`);
                },
            },
            "iotedge-fleet",
            "test",
            false,
        );
        pkiModule = await import("../../components/pki");
        fleet = resolved(pkiFleetConfig(partner));
        pki = new pkiModule.FleetPki(
            "pki",
            { pki: fleet.pki, devices: fleet.devices, secret: lookup },
            { transformations: [capture] },
        );
        await settle({ cas: pki.cas, devices: pki.devices });
    });

    const tlsNames = (prefix: string) =>
        recorded
            .filter((r) => r.type.startsWith("tls:") && r.name.startsWith(`${prefix}-`))
            .map((r) => `${r.type.split(":").pop()} ${r.name.slice(prefix.length + 1)}`)
            .sort();

    it("declares exactly the CAs and device certificates the fleet needs", () => {
        const cert = (p: string) => [
            `PrivateKey ${p}-key`,
            `CertRequest ${p}-csr`,
            `LocallySignedCert ${p}-cert`,
        ];
        assert.deepEqual(
            tlsNames("pki"),
            [
                "PrivateKey ca-root-key",
                "SelfSignedCert ca-root-cert",
                "PrivateKey ca-rsa-root-key",
                "SelfSignedCert ca-rsa-root-cert",
                "PrivateKey ca-devices-key",
                "CertRequest ca-devices-csr",
                "LocallySignedCert ca-devices-cert",
                ...cert("device-manual-1-identity-primary"),
                ...cert("device-manual-1-identity-secondary"),
                ...cert("device-manual-1-edge-ca"),
                ...cert("device-group-1-identity-primary"),
                ...cert("device-group-1-edge-ca"),
                ...cert("device-sym-1-edge-ca"),
                ...cert("device-est-1-est-bootstrap"),
            ].sort(),
        );
    });

    it("parents every child to the component", () => {
        const children = recorded.filter(
            (r) => r.type.startsWith("tls:") && r.name.startsWith("pki-"),
        );
        assert.ok(children.length > 0);
        for (const r of children) {
            const opts = options.get(r.name);
            assert.ok(opts, `no options captured for ${r.name}`);
            assert.equal(opts.parent, pki, `${r.name} is not parented to the FleetPki`);
        }
    });

    it("self-signs the roots as CAs with the model's subject, algorithm and lifetimes", () => {
        assert.deepEqual(res("pki-ca-root-key").inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.deepEqual(res("pki-ca-rsa-root-key").inputs, { algorithm: "RSA", rsaBits: 2048 });
        const root = res("pki-ca-root-cert").inputs;
        assert.deepEqual(root.subject, { commonName: "Fleet Root CA", organization: "Contoso" });
        assert.equal(root.isCaCertificate, true);
        assert.deepEqual(root.allowedUses, ["certSigning", "crlSigning", "digitalSignature"]);
        assert.equal(root.validityPeriodHours, 3650 * 24);
        assert.equal(root.earlyRenewalHours, 90 * 24);
        assert.ok(isSecretInput(root.privateKeyPem));
        assert.equal(root.privateKeyPem.value, fakeKey("pki-ca-root-key"));
        const rsa = res("pki-ca-rsa-root-cert").inputs;
        assert.deepEqual(rsa.subject, { commonName: "rsa-root CA" });
        assert.deepEqual([rsa.validityPeriodHours, rsa.earlyRenewalHours], [24_000, 240]);
    });

    it("signs the intermediate (listed before its issuer) with the root's certificate and key", async () => {
        const csr = res("pki-ca-devices-csr").inputs;
        assert.deepEqual(csr.subject, { commonName: "Fleet Devices CA" });
        assert.equal(csr.privateKeyPem.value, fakeKey("pki-ca-devices-key"));
        const cert = res("pki-ca-devices-cert").inputs;
        assert.equal(cert.isCaCertificate, true);
        assert.equal(cert.maxPathLength, undefined);
        assert.deepEqual(cert.allowedUses, ["certSigning", "crlSigning", "digitalSignature"]);
        assert.equal(cert.validityPeriodHours, 1825 * 24);
        assert.equal(cert.caCertPem, await promiseOf(pki.cas.root.certPem));
        assert.ok(isSecretInput(cert.caPrivateKeyPem));
        assert.equal(cert.caPrivateKeyPem.value, fakeKey("pki-ca-root-key"));
        assert.equal(cert.certRequestPem, "CSR:Fleet Devices CA");
    });

    it("uses the imported CA's certificate and secret-config key, and declares no key for it", async () => {
        assert.deepEqual(lookups, ["partnerCaKey"]);
        assert.ok(!recorded.some((r) => r.name.startsWith("pki-ca-partner")));
        const cert = res("pki-device-group-1-identity-primary-cert").inputs;
        assert.equal(cert.caCertPem, chainPem([partner.certificatePem]));
        assert.ok(isSecretInput(cert.caPrivateKeyPem));
        assert.match(cert.caPrivateKeyPem.value, /IMPORTED partnerCaKey/);
        const ca = pki.cas.partner;
        assert.equal(ca.kind, "imported");
        assert.ok(await pulumi.isSecret(ca.keyPem!));
        assert.equal(
            await promiseOf(ca.chainPem),
            chainPem([partner.certificatePem, partner.chainPem]),
        );
        assert.equal(await promiseOf(ca.rootPem), chainPem([partner.chainPem]));
    });

    // Per device certificate: [resource prefix, CN, issuer CA, key, uses, CA?, hours, early hours]
    const ec = { algorithm: "ECDSA", ecdsaCurve: "P256" };
    const rsa = { algorithm: "RSA", rsaBits: 2048 };
    const client = ["digitalSignature", "clientAuth"];
    const edge = ["certSigning", "digitalSignature"];
    const table: Array<[string, string, string, object, string[], boolean, number, number]> = [
        ["manual-1-identity-primary", "manual-1", "devices", ec, client, false, 4800, 480],
        ["manual-1-identity-secondary", "manual-1", "devices", ec, client, false, 4800, 480],
        ["manual-1-edge-ca", "Edge CA manual-1", "devices", ec, edge, true, 7200, 480],
        ["group-1-identity-primary", "group-1-reg", "partner", ec, client, false, 4800, 480],
        ["group-1-edge-ca", "Group One Edge CA", "rsa-root", rsa, edge, true, 7200, 480],
        ["sym-1-edge-ca", "Edge CA sym-1", "devices", ec, edge, true, 7200, 480],
        [
            "est-1-est-bootstrap",
            "est-1",
            "rsa-root",
            rsa,
            ["digitalSignature", "keyEncipherment", "clientAuth"],
            false,
            4800,
            480,
        ],
    ];
    for (const [role, cn, issuer, key, uses, isCa, hours, early] of table) {
        it(`issues device-${role}: CN "${cn}" by ${issuer}`, async () => {
            const prefix = `pki-device-${role}`;
            assert.deepEqual(res(`${prefix}-key`).inputs, key);
            const csr = res(`${prefix}-csr`).inputs;
            assert.deepEqual(csr.subject, { commonName: cn });
            assert.ok(isSecretInput(csr.privateKeyPem));
            assert.equal(csr.privateKeyPem.value, fakeKey(`${prefix}-key`));
            const cert = res(`${prefix}-cert`).inputs;
            assert.equal(cert.certRequestPem, `CSR:${cn}`);
            assert.deepEqual(cert.allowedUses, uses);
            assert.equal(cert.isCaCertificate, isCa);
            assert.equal(cert.maxPathLength, isCa ? 0 : undefined);
            assert.equal(cert.validityPeriodHours, hours);
            assert.equal(cert.earlyRenewalHours, early);
            assert.equal(cert.caCertPem, await promiseOf(pki.cas[issuer].certPem));
            assert.ok(isSecretInput(cert.caPrivateKeyPem));
            assert.equal(cert.caPrivateKeyPem.value, await promiseOf(pki.cas[issuer].keyPem!));
        });
    }

    it("gives manual-x509 two identities, dps-x509 one, the others none", () => {
        const d = pki.devices;
        assert.deepEqual(Object.keys(d).sort(), [
            "est-1",
            "group-1",
            "manual-1",
            "quick-1",
            "sym-1",
        ]);
        assert.ok(d["manual-1"].identity?.primary && d["manual-1"].identity?.secondary);
        assert.ok(d["group-1"].identity?.primary && !d["group-1"].identity?.secondary);
        for (const id of ["sym-1", "quick-1", "est-1"]) assert.equal(d[id].identity, undefined);
        assert.deepEqual(
            Object.values(d)
                .filter((x) => x.edgeCa)
                .map((x) => x.deviceId)
                .sort(),
            ["group-1", "manual-1", "sym-1"],
        );
        assert.deepEqual(
            Object.values(d)
                .filter((x) => x.estBootstrap)
                .map((x) => x.deviceId),
            ["est-1"],
        );
        assert.deepEqual(d["quick-1"], { deviceId: "quick-1" });
    });

    it("outputs thumbprints of each certificate as openssl computes them", async () => {
        const primary = pki.devices["manual-1"].identity!.primary;
        const secondary = pki.devices["manual-1"].identity!.secondary!;
        for (const c of [primary, secondary, pki.devices["group-1"].edgeCa!]) {
            const pem = await promiseOf(c.certPem);
            assert.equal(
                await promiseOf(c.thumbprintSha1),
                fingerprintHex(opensslFingerprint(pem, "sha1")),
            );
            assert.equal(
                await promiseOf(c.thumbprintSha256),
                fingerprintHex(opensslFingerprint(pem, "sha256")),
            );
        }
        // Two distinct certificates, so the hub gets two distinct thumbprints (seed 000).
        assert.notEqual(
            await promiseOf(primary.thumbprintSha1),
            await promiseOf(secondary.thumbprintSha1),
        );
        const root = await promiseOf(pki.cas.root.certPem);
        assert.equal(await promiseOf(pki.cas.root.thumbprintSha256), thumbprints(root).sha256);
    });

    it("outputs full chains from the leaf up to and including the root, and the trust bundle", async () => {
        const pem = (o: pulumi.Output<string>) => promiseOf(o);
        const root = await pem(pki.cas.root.certPem);
        const devicesCa = await pem(pki.cas.devices.certPem);
        const manual = pki.devices["manual-1"];
        const leaf = await pem(manual.identity!.primary.certPem);
        assert.equal(
            await pem(manual.identity!.primary.fullChainPem),
            chainPem([leaf, devicesCa, root]),
        );
        const edgeLeaf = await pem(manual.edgeCa!.certPem);
        assert.equal(await pem(manual.edgeCa!.fullChainPem), chainPem([edgeLeaf, devicesCa, root]));
        assert.equal(await pem(pki.cas.devices.chainPem), chainPem([devicesCa, root]));
        assert.equal(await pem(manual.trustBundlePem!), chainPem([root]));

        const group = pki.devices["group-1"];
        const groupLeaf = await pem(group.identity!.primary.certPem);
        assert.equal(
            await pem(group.identity!.primary.fullChainPem),
            chainPem([groupLeaf, partner.certificatePem, partner.chainPem]),
        );
        const rsaRoot = await pem(pki.cas["rsa-root"].certPem);
        assert.equal(await pem(group.trustBundlePem!), chainPem([rsaRoot]));
        assert.equal(pki.devices["est-1"].trustBundlePem, undefined);
        assert.equal(pki.devices["quick-1"].trustBundlePem, undefined);
    });

    it("makes every private key a secret output and leaves certificates plain", async () => {
        const issued = Object.values(pki.devices).flatMap((d) =>
            [d.identity?.primary, d.identity?.secondary, d.edgeCa, d.estBootstrap].filter(
                (c): c is PkiModule.IssuedCert => c !== undefined,
            ),
        );
        assert.equal(issued.length, 7);
        for (const c of issued) {
            assert.ok(await pulumi.isSecret(c.keyPem), `${c.commonName} key is not secret`);
            assert.match(await promiseOf(c.keyPem), /FAKE pki-device-.*-key/);
            for (const o of [c.certPem, c.fullChainPem, c.thumbprintSha1, c.thumbprintSha256]) {
                assert.equal(await pulumi.isSecret(o), false);
            }
        }
        for (const ca of Object.values(pki.cas)) {
            assert.ok(await pulumi.isSecret(ca.keyPem!), `${ca.name} key is not secret`);
            assert.equal(await pulumi.isSecret(ca.certPem), false);
        }
        // Every key that reaches a resource input is a secret there too.
        for (const r of recorded.filter((x) => x.name.startsWith("pki-"))) {
            for (const field of ["privateKeyPem", "caPrivateKeyPem"]) {
                if (field in r.inputs)
                    assert.ok(isSecretInput(r.inputs[field]), `${r.name}.${field}`);
            }
        }
    });

    it("names resources by device ID and CA name: reordering the fleet renames nothing", async () => {
        const rev = new pkiModule.FleetPki("rev", {
            pki: { ...fleet.pki, cas: [...fleet.pki.cas].reverse() },
            devices: [...fleet.devices].reverse().map((d, index) => ({ ...d, index })),
            secret: lookup,
        });
        await settle({ cas: rev.cas, devices: rev.devices });
        assert.deepEqual(tlsNames("rev"), tlsNames("pki"));
        const subjects = (prefix: string) =>
            Object.fromEntries(
                recorded
                    .filter((r) => r.name.startsWith(`${prefix}-`) && r.inputs.subject)
                    .map((r) => [r.name.slice(prefix.length + 1), r.inputs.subject]),
            );
        assert.deepEqual(subjects("rev"), subjects("pki"));
    });

    it("declares nothing, not even itself, when the model cannot be planned", async () => {
        const bad = {
            ...fleet.devices[2],
            edgeCa: { mode: "pki" as const, commonName: "Edge", issuer: "nope" },
        };
        assert.throws(
            () =>
                new pkiModule.FleetPki(
                    "bad",
                    { pki: fleet.pki, devices: [bad], secret: lookup },
                    { transformations: [capture] },
                ),
            /edgeCa\.issuer: no CA named "nope"/,
        );
        // Transformations run synchronously in the constructor; registration is asynchronous.
        assert.ok(!options.has("bad"));
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.ok(!recorded.some((r) => r.name === "bad" || r.name.startsWith("bad-")));
    });
});
