/**
 * What the FleetPki component declares, decided from the resolved fleet model as plain values:
 * which CAs and certificates exist, in which order, with which subject, key, usages, lifetime
 * and issuer. The component (component.ts) only turns this plan into @pulumi/tls resources.
 *
 * Pure: no Pulumi import. Table- and property-tested in test/pki/plan.test.ts.
 */
import type { ResolvedCa, ResolvedDevice, ResolvedPki } from "../fleet/resolve";
import { usesEst as modelUsesEst } from "../fleet/resolve";
import type { KeyAlgorithm } from "../fleet/schema";
import { splitPemCertificates } from "./thumbprint";

/** Arguments of a `tls.PrivateKey` for one key algorithm of the model. */
export type KeySpec =
    { algorithm: "ECDSA"; ecdsaCurve: "P256" } | { algorithm: "RSA"; rsaBits: 2048 };

/** Subject of a generated certificate (the only attributes the model sets). */
export interface Subject {
    commonName: string;
    organization?: string;
}

/**
 * The `tls.PrivateKey` arguments for a model key algorithm. Seed 003: "we only test RSA-2048
 * bit keys and EC P-256 keys", so those are the two the model offers.
 *
 * @param algorithm the model's key algorithm.
 */
export function keySpec(algorithm: KeyAlgorithm): KeySpec {
    switch (algorithm) {
        case "ECDSA-P256":
            return { algorithm: "ECDSA", ecdsaCurve: "P256" };
        case "RSA-2048":
            return { algorithm: "RSA", rsaBits: 2048 };
        default: {
            const exhaustive: never = algorithm;
            throw new Error(`unknown key algorithm ${JSON.stringify(exhaustive)}`);
        }
    }
}

/**
 * Days of the model to the hours @pulumi/tls takes (`validityPeriodHours`,
 * `earlyRenewalHours`).
 *
 * @param days a whole, non-negative number of days.
 * @throws on a negative, fractional or non-finite number.
 */
export function daysToHours(days: number): number {
    if (!Number.isSafeInteger(days) || days < 0) {
        throw new Error(`${days} is not a whole, non-negative number of days`);
    }
    return days * 24;
}

/**
 * Key usages of a CA certificate (root or intermediate) of the fleet: it signs certificates and
 * CRLs; digitalSignature as the Microsoft demo CA profiles set it.
 */
export const CA_USES: readonly string[] = ["certSigning", "crlSigning", "digitalSignature"];

/**
 * Key usages of a device's Edge CA certificate. Seed 003 ("For the issuing CA certificate to
 * become Edge CA, it must have these extensions"): basicConstraints CA:TRUE (`isCaCertificate`)
 * and keyUsage keyCertSign (`certSigning`), with digitalSignature. It issues edgeHub's server
 * and the module certificates, never CRLs.
 */
export const EDGE_CA_USES: readonly string[] = ["certSigning", "digitalSignature"];

/**
 * Key usages of a TLS client-authentication certificate (device identity, EST bootstrap
 * identity). An ECDSA key only signs in TLS (ECDHE_ECDSA), so digitalSignature; an RSA key may
 * also encipher a pre-master secret (TLS 1.2 RSA key exchange), so keyEncipherment too.
 * keyAgreement (static ECDH) is obsolete and not set.
 *
 * @param algorithm the certificate's key algorithm.
 */
export function clientAuthUses(algorithm: KeyAlgorithm): string[] {
    switch (algorithm) {
        case "ECDSA-P256":
            return ["digitalSignature", "clientAuth"];
        case "RSA-2048":
            return ["digitalSignature", "keyEncipherment", "clientAuth"];
        default: {
            const exhaustive: never = algorithm;
            throw new Error(`unknown key algorithm ${JSON.stringify(exhaustive)}`);
        }
    }
}

/**
 * CAs ordered so that every CA comes after its issuer (issuers may be listed after the CAs they
 * sign). Stable: CAs keep their listed order where the issuers allow it, so adding a CA at the
 * end never reorders the others.
 *
 * @param cas the CAs of the model, each naming its issuer (absent for a root or imported CA).
 * @throws listing every unknown issuer, duplicate name and cycle.
 */
export function orderCas<T extends { name: string; issuer?: string }>(cas: ReadonlyArray<T>): T[] {
    const byName = new Map<string, T>();
    const problems: string[] = [];
    cas.forEach((ca, i) => {
        if (byName.has(ca.name))
            problems.push(`fleet.pki.cas[${i}].name: duplicate CA "${ca.name}"`);
        else byName.set(ca.name, ca);
    });
    cas.forEach((ca, i) => {
        if (ca.issuer !== undefined && !byName.has(ca.issuer)) {
            problems.push(`fleet.pki.cas[${i}].issuer: no CA named "${ca.issuer}"`);
        }
    });
    if (problems.length > 0) throw new Error(problems.join("\n"));

    const ordered: T[] = [];
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = (ca: T, path: string[]): void => {
        if (done.has(ca.name)) return;
        if (visiting.has(ca.name)) {
            throw new Error(
                `fleet.pki.cas: CA issuers form a cycle: ${[...path, ca.name].join(" <- ")}`,
            );
        }
        visiting.add(ca.name);
        if (ca.issuer !== undefined) visit(byName.get(ca.issuer)!, [...path, ca.name]);
        visiting.delete(ca.name);
        done.add(ca.name);
        ordered.push(ca);
    };
    for (const ca of cas) visit(ca, []);
    return ordered;
}

interface CaPlanCommon {
    /** The model's CA name (`fleet.pki.cas[].name`), the key everything refers to it by. */
    name: string;
    /** Issuers above this CA, nearest first, up to the top of its chain (empty for a root). */
    ancestors: string[];
    /** Name of the CA at the top of this CA's chain (itself for a root or an imported CA). */
    rootName: string;
}

/** A CA we generate: key, certificate, and (for an intermediate) its issuer. */
export interface GeneratedCaPlan extends CaPlanCommon {
    kind: "root" | "intermediate";
    /** The CA that signs this one; absent for a self-signed root. */
    issuer?: string;
    subject: Subject;
    keyAlgorithm: KeyAlgorithm;
    key: KeySpec;
    allowedUses: string[];
    validityHours: number;
    earlyRenewalHours: number;
}

/** A CA brought in: certificate from plain config, private key from secret config. */
export interface ImportedCaPlan extends CaPlanCommon {
    kind: "imported";
    certificatePem: string;
    /** Config key of the CA's private key (`import.privateKeySecret`). */
    privateKeySecret: string;
    /** The CAs above it (`import.chainPem`), certificates only; "" when none were given. */
    issuersPem: string;
    /**
     * The top certificate of its chain: the last certificate of `import.chainPem`, or the
     * imported certificate itself when no chain is given (seed 003: the "root CA" of an IoT
     * solution is often an intermediate of the organisation's PKI).
     */
    rootPem: string;
}

export type CaPlan = GeneratedCaPlan | ImportedCaPlan;

/** The role of a device certificate; also the suffix of its resource names. */
export type DeviceCertRole =
    "identity-primary" | "identity-secondary" | "edge-ca" | "est-bootstrap";

/** One certificate the PKI issues to a device. */
export interface DeviceCertPlan {
    role: DeviceCertRole;
    /** CA (by model name) that issues it. */
    issuer: string;
    subject: Subject;
    /** The issuing CA's key algorithm: a CA's algorithm is the algorithm of what it issues. */
    keyAlgorithm: KeyAlgorithm;
    key: KeySpec;
    isCaCertificate: boolean;
    /** Set on the Edge CA only (0: it may issue leaves, not CAs). See component.ts. */
    maxPathLength?: number;
    allowedUses: string[];
    validityHours: number;
    earlyRenewalHours: number;
}

/** The certificates of one device. */
export interface DevicePlan {
    deviceId: string;
    /** Identity certificates, when the provisioning method uses our PKI for them. */
    identity?: { primary: DeviceCertPlan; secondary?: DeviceCertPlan };
    /** Edge CA certificate, when `edgeCa.mode` is "pki". */
    edgeCa?: DeviceCertPlan;
    /** EST bootstrap identity certificate, when the device talks to an EST server. */
    estBootstrap?: DeviceCertPlan;
    /** CA whose certificate is the device's trust bundle: the root of its Edge CA's chain. */
    trustBundleCa?: string;
}

export interface PkiPlan {
    /** Every CA, each after its issuer. */
    cas: CaPlan[];
    /** One entry per device, in the model's order (names never depend on it). */
    devices: DevicePlan[];
}

/**
 * Whether a device authenticates to an EST server, and so needs a bootstrap identity
 * certificate (seed 003 "Automatic certificate management with EST server"): its identity
 * or its Edge CA is issued by EST, and an EST server is configured. A device that only inherits
 * `defaults.est` but uses neither gets no bootstrap certificate.
 *
 * @param device the resolved device.
 */
export function usesEst(device: ResolvedDevice): boolean {
    // The model says whether EST is used; a bootstrap certificate also needs the server.
    return device.est !== undefined && modelUsesEst(device);
}

/**
 * Common names of the identity certificates a provisioning method needs from our PKI, primary
 * first; empty when the method does not use our PKI for the identity.
 *
 * - `manual-x509` (seed 000): CN = device ID. Two certificates, so that both the primary and
 *   the secondary thumbprint can be registered, unless `authentication` is
 *   "certificateAuthority" (the hub then trusts the CA, not thumbprints, and one is enough).
 * - `dps-x509` (seeds 001, 003): one certificate, CN = registration ID.
 * - The EST method's identity comes from the EST server; the others use no certificate.
 *
 * @param device the resolved device.
 */
export function identityCommonNames(device: ResolvedDevice): string[] {
    const p = device.provisioning;
    switch (p.method) {
        case "manual-x509":
            return p.authentication === "certificateAuthority"
                ? [device.deviceId]
                : [device.deviceId, device.deviceId];
        case "dps-x509":
            return [device.registrationId];
        case "dps-x509-est":
        case "manual-symmetric-key":
        case "manual-connection-string":
        case "dps-symmetric-key":
        case "dps-tpm":
            return [];
        default: {
            const exhaustive: never = p;
            throw new Error(`unknown provisioning method ${JSON.stringify(exhaustive)}`);
        }
    }
}

/**
 * X.509's upper bound for a common name (RFC 5280 ub-common-name); IoT Edge truncates longer
 * ones (FACTS.md §2), which would silently change an Edge CA's name.
 */
export const MAX_COMMON_NAME = 64;

/**
 * Plan the fleet's PKI.
 *
 * @param pki the resolved `fleet.pki`.
 * @param devices the resolved devices.
 * @throws listing every problem at once (unknown issuer, CA cycle, duplicate device, early
 *   renewal not shorter than the lifetime, Edge CA common name too long), each with its path.
 */
export function planPki(pki: ResolvedPki, devices: ReadonlyArray<ResolvedDevice>): PkiPlan {
    const ordered = orderCas(pki.cas);
    const byName = new Map(pki.cas.map((ca) => [ca.name, ca]));
    const indexOf = new Map(pki.cas.map((ca, i) => [ca.name, i]));
    const problems: string[] = [];

    const ancestorsOf = (ca: ResolvedCa): string[] => {
        const out: string[] = [];
        for (let cur = ca; cur.issuer !== undefined; cur = byName.get(cur.issuer)!) {
            out.push(cur.issuer);
        }
        return out;
    };

    const lifetime = (at: string, validityDays: number, earlyRenewalDays: number) => {
        // With early renewal >= lifetime the certificate is "ready for renewal" as soon as it
        // exists, and every `pulumi up` would replace it.
        if (earlyRenewalDays >= validityDays) {
            problems.push(
                `${at}: early renewal (${earlyRenewalDays} days) must be shorter than the validity (${validityDays} days)`,
            );
        }
        return {
            validityHours: daysToHours(validityDays),
            earlyRenewalHours: daysToHours(earlyRenewalDays),
        };
    };

    const cas = ordered.map((ca): CaPlan => {
        const ancestors = ancestorsOf(ca);
        const rootName = ancestors.length > 0 ? ancestors[ancestors.length - 1] : ca.name;
        const at = `fleet.pki.cas[${indexOf.get(ca.name)}]`;
        if (ca.import) {
            const own = splitPemCertificates(ca.import.certificatePem);
            const above = splitPemCertificates(ca.import.chainPem ?? "");
            if (own.length === 0) problems.push(`${at}.import.certificatePem: no PEM certificate`);
            return {
                kind: "imported",
                name: ca.name,
                ancestors,
                rootName,
                certificatePem: ca.import.certificatePem,
                privateKeySecret: ca.import.privateKeySecret,
                issuersPem: above.map((c) => `${c}\n`).join(""),
                rootPem: `${above.length > 0 ? above[above.length - 1] : (own[0] ?? "")}\n`,
            };
        }
        return {
            kind: ca.issuer === undefined ? "root" : "intermediate",
            name: ca.name,
            ancestors,
            rootName,
            issuer: ca.issuer,
            subject: subject(ca.commonName, ca.organization),
            keyAlgorithm: ca.keyAlgorithm,
            key: keySpec(ca.keyAlgorithm),
            allowedUses: [...CA_USES],
            ...lifetime(at, ca.validityDays, ca.earlyRenewalDays),
        };
    });
    const caPlans = new Map(cas.map((c) => [c.name, c]));

    const seen = new Set<string>();
    const devicePlans = devices.map((device): DevicePlan => {
        const at = `fleet.devices[${device.index}]`;
        if (seen.has(device.deviceId))
            problems.push(`${at}.deviceId: duplicate device "${device.deviceId}"`);
        seen.add(device.deviceId);

        const issue = (
            role: DeviceCertRole,
            issuer: string | undefined,
            issuerPath: string,
            commonName: string,
            isCa: boolean,
        ): DeviceCertPlan | undefined => {
            const ca = issuer === undefined ? undefined : byName.get(issuer);
            if (ca === undefined) {
                problems.push(
                    `${at}.${issuerPath}: no CA named "${issuer ?? ""}" in fleet.pki.cas`,
                );
                return undefined;
            }
            const validityDays = isCa ? pki.edgeCaValidityDays : pki.identityValidityDays;
            return {
                role,
                issuer: ca.name,
                subject: { commonName },
                keyAlgorithm: ca.keyAlgorithm,
                key: keySpec(ca.keyAlgorithm),
                isCaCertificate: isCa,
                ...(isCa ? { maxPathLength: 0 } : {}),
                allowedUses: isCa ? [...EDGE_CA_USES] : clientAuthUses(ca.keyAlgorithm),
                ...lifetime(`fleet.pki.deviceCertificates`, validityDays, pki.earlyRenewalDays),
            };
        };

        const plan: DevicePlan = { deviceId: device.deviceId };
        const names = identityCommonNames(device);
        if (names.length > 0) {
            const [primaryCn, secondaryCn] = names;
            const primary = issue(
                "identity-primary",
                device.identityIssuer,
                "issuer",
                primaryCn,
                false,
            );
            const secondary =
                secondaryCn === undefined
                    ? undefined
                    : issue(
                          "identity-secondary",
                          device.identityIssuer,
                          "issuer",
                          secondaryCn,
                          false,
                      );
            if (primary) plan.identity = secondary ? { primary, secondary } : { primary };
        }
        if (device.edgeCa.mode === "pki") {
            const cn = device.edgeCa.commonName;
            if (cn.length > MAX_COMMON_NAME) {
                problems.push(`${at}.edgeCa.commonName: longer than ${MAX_COMMON_NAME} characters`);
            }
            plan.edgeCa = issue("edge-ca", device.edgeCa.issuer, "edgeCa.issuer", cn, true);
            if (plan.edgeCa) plan.trustBundleCa = caPlans.get(plan.edgeCa.issuer)!.rootName;
        }
        if (usesEst(device)) {
            plan.estBootstrap = issue(
                "est-bootstrap",
                device.est!.bootstrapIssuer,
                "est.bootstrapIssuer",
                device.registrationId,
                false,
            );
        }
        return plan;
    });

    if (problems.length > 0) {
        throw new Error(
            `the fleet PKI cannot be planned:\n  ${[...new Set(problems)].join("\n  ")}`,
        );
    }
    return { cas, devices: devicePlans };
}

function subject(commonName: string, organization: string | undefined): Subject {
    return organization === undefined ? { commonName } : { commonName, organization };
}
