/**
 * Fixtures for the PKI tests: real certificates made with openssl, and a small fleet that
 * covers every way a device gets certificates from FleetPki.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkFleet, fleetSchema, resolveFleet, ResolvedFleet } from "../../components/fleet";

/**
 * A fresh self-signed certificate (new key, random serial) with the given CN, PEM. Two calls
 * with the same CN give two different certificates.
 */
export function makeCert(commonName: string, algorithm: "ec" | "rsa" = "ec"): string {
    const keyArgs =
        algorithm === "ec"
            ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            : ["-newkey", "rsa:2048"];
    return execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            ...keyArgs,
            "-nodes",
            "-keyout",
            "/dev/null",
            "-subj",
            `/CN=${commonName}`,
            "-days",
            "2",
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
}

/** `openssl x509 -noout -fingerprint -<digest>` of the first certificate of `pem`, as printed. */
export function opensslFingerprint(pem: string, digest: "sha1" | "sha256"): string {
    const dir = mkdtempSync(join(tmpdir(), "pki-test-"));
    try {
        const file = join(dir, "cert.pem");
        writeFileSync(file, pem);
        return execFileSync(
            "openssl",
            ["x509", "-in", file, "-noout", "-fingerprint", `-${digest}`],
            {
                encoding: "utf8",
            },
        ).trim();
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** The hex of an openssl fingerprint line (`sha1 Fingerprint=AB:CD:...`), colons removed. */
export function fingerprintHex(line: string): string {
    return line.slice(line.indexOf("=") + 1).replace(/:/g, "");
}

/**
 * The fleet of the graph tests.
 *
 * CAs: `devices` (intermediate, listed BEFORE its issuer `root`), `root` (with organization),
 * `rsa-root` (RSA-2048, own lifetimes), `partner` (imported: certificate + chain from plain
 * config, key from the secret config key `partnerCaKey`).
 *
 * Devices:
 * - `manual-1`: manual-x509 (thumbprints) → identity primary + secondary (CN = device ID) from
 *   `devices`; Edge CA (pki, defaults) from `devices`.
 * - `group-1`: dps-x509 in group `x509-group` (CA `partner`), registration ID `group-1-reg` →
 *   one identity (CN = registration ID) from `partner`; Edge CA "Group One Edge CA" from
 *   `rsa-root` (RSA).
 * - `sym-1`: dps-symmetric-key → no identity; Edge CA from `devices`.
 * - `quick-1`: dps-symmetric-key, quickstart Edge CA → no certificate at all.
 * - `est-1`: dps-x509-est, EST Edge CA → only an EST bootstrap certificate from `rsa-root`.
 */
export function pkiFleetConfig(partner: { certificatePem: string; chainPem: string }): any {
    return {
        environment: "test",
        resourceGroup: { name: "rg-test", location: "westeurope" },
        hubs: [{ name: "hub-a" }],
        dps: { name: "dps-test", links: [{ hub: "hub-a" }] },
        pki: {
            keyAlgorithm: "ECDSA-P256",
            cas: [
                { name: "devices", issuer: "root", commonName: "Fleet Devices CA" },
                { name: "root", commonName: "Fleet Root CA", organization: "Contoso" },
                {
                    name: "rsa-root",
                    keyAlgorithm: "RSA-2048",
                    validityDays: 1000,
                    earlyRenewalDays: 10,
                },
                {
                    name: "partner",
                    import: {
                        certificatePem: partner.certificatePem,
                        privateKeySecret: "partnerCaKey",
                        chainPem: partner.chainPem,
                    },
                },
            ],
            defaultIssuer: "devices",
            deviceCertificates: {
                identityValidityDays: 200,
                edgeCaValidityDays: 300,
                earlyRenewalDays: 20,
            },
        },
        enrollmentGroups: [
            { name: "x509-group", attestation: { type: "x509", ca: "partner" } },
            { name: "est-group", attestation: { type: "x509", ca: "devices" } },
            { name: "sym-group", attestation: { type: "symmetricKey" } },
        ],
        defaults: {
            ssh: { user: "edgeadmin" },
            versions: { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" },
            edgeCa: { mode: "pki" },
        },
        devices: [
            {
                deviceId: "manual-1",
                ssh: { host: "10.0.0.1" },
                provisioning: { method: "manual-x509", hub: "hub-a" },
            },
            {
                deviceId: "group-1",
                registrationId: "group-1-reg",
                ssh: { host: "10.0.0.2" },
                edgeCa: { mode: "pki", issuer: "rsa-root", commonName: "Group One Edge CA" },
                provisioning: { method: "dps-x509", enrollmentGroup: "x509-group" },
            },
            {
                deviceId: "sym-1",
                ssh: { host: "10.0.0.3" },
                provisioning: { method: "dps-symmetric-key", enrollmentGroup: "sym-group" },
            },
            {
                deviceId: "quick-1",
                ssh: { host: "10.0.0.4" },
                edgeCa: { mode: "quickstart" },
                provisioning: { method: "dps-symmetric-key", enrollmentGroup: "sym-group" },
            },
            {
                deviceId: "est-1",
                ssh: { host: "10.0.0.5" },
                edgeCa: { mode: "est" },
                est: {
                    url: "https://est.example.com/.well-known/est",
                    bootstrapIssuer: "rsa-root",
                },
                provisioning: { method: "dps-x509-est", enrollmentGroup: "est-group" },
            },
        ],
    };
}

/** Schema and defaults only: for planPki's own guards, which checkFleet would pre-empt. */
export function resolvedUnchecked(config: unknown): ResolvedFleet {
    return resolveFleet(fleetSchema.parse(config));
}

/** The fleet config through the real model (schema, defaults, validation). */
export function resolved(config: unknown): ResolvedFleet {
    const result = checkFleet(config);
    if (!result.ok) {
        throw new Error(
            `fixture fleet is invalid:\n${result.problems.map((p) => `${p.path}: ${p.message}`).join("\n")}`,
        );
    }
    return result.fleet;
}
